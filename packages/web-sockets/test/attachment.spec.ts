/**
 * `serializeAttachment()` / `deserializeAttachment()` (src/attachment.ts), inside a worker, with the values
 * and messages workerd gives (checked on Miniflare 4, 2026-07-01).
 */
import { describe, expect, it } from "vitest";
import { MAX_ATTACHMENT_SIZE, WebSocketPair } from "@flarelet/web-sockets";
import { createWorker } from "./helpers.js";

async function inWorker(body: string): Promise<Record<string, unknown>> {
  const { mf } = createWorker(`
    const describe = (fn) => {
      try { return { value: fn() }; }
      catch (e) { return { threw: [e?.constructor?.name, e.name, e.message] }; }
    };
    export default { async fetch() { const [client, server] = Object.values(new WebSocketPair()); ${body} } };`);
  return (await (await mf.dispatchFetch()).json()) as Record<string, unknown>;
}

describe("WebSocket#serializeAttachment", () => {
  it("keeps a structured-clone copy that each deserializeAttachment() returns afresh, of types the worker recognises", async () => {
    const result = await inWorker(`
      const value = { name: "Alice", when: new Date(0), seen: new Map([["a", 1]]), bytes: new Uint8Array([1, 2]) };
      server.serializeAttachment(value);
      value.name = "changed";
      const first = server.deserializeAttachment();
      return Response.json({
        name: first.name,
        types: [first instanceof Object, first.when instanceof Date, first.seen instanceof Map, first.bytes instanceof Uint8Array],
        fresh: first !== server.deserializeAttachment(),
        notTheValue: first !== value,
        onTheOtherEnd: client.deserializeAttachment(),
      });`);
    expect(result).toEqual({ name: "Alice", types: [true, true, true, true], fresh: true, notTheValue: true, onTheOtherEnd: null });
  });

  it("gives null without an attachment, undefined for an undefined one, and works at any state of the socket", async () => {
    const result = await inWorker(`
      const none = server.deserializeAttachment();
      server.serializeAttachment(undefined);
      const undef = server.deserializeAttachment();
      server.accept();
      server.close(1000);
      server.serializeAttachment(5);
      return Response.json({ none, undef: undef === undefined, closed: server.deserializeAttachment() });`);
    expect(result).toEqual({ none: null, undef: true, closed: 5 });
  });

  it("throws workerd's errors: no argument, something structured clone refuses, more than 16 KiB serialized", async () => {
    const result = await inWorker(`
      const sizes = [16378, 16379, 16380].map((length) => describe(() => { server.serializeAttachment("x".repeat(length)); return server.deserializeAttachment().length; }));
      return Response.json({
        noArgument: describe(() => server.serializeAttachment()),
        fn: describe(() => server.serializeAttachment(function f() {})),
        symbol: describe(() => server.serializeAttachment(Symbol("x"))),
        big: describe(() => server.serializeAttachment("x".repeat(20000))),
        sizes,
        keptAfterFailure: server.deserializeAttachment().length,
      });`);
    expect(result).toEqual({
      noArgument: { threw: ["TypeError", "TypeError", "Failed to execute 'serializeAttachment' on 'WebSocket': parameter 1 is not of type 'JsValue'."] },
      fn: { threw: ["DOMException", "DataCloneError", "function f() {} could not be cloned."] },
      symbol: { threw: ["DOMException", "DataCloneError", "Symbol(x) could not be cloned."] },
      big: { threw: ["Error", "Error", "A WebSocket 'attachment' cannot be larger than 16384 bytes.'attachment' was 20006 bytes."] },
      // 16379 one-byte characters serialize to exactly 16384 bytes (2 header, 1 tag, 2 length).
      sizes: [
        { value: 16378 },
        { value: 16379 },
        { threw: ["Error", "Error", "A WebSocket 'attachment' cannot be larger than 16384 bytes.'attachment' was 16385 bytes."] },
      ],
      keptAfterFailure: 16379,
    });
  });

  it("is there on the host's WebSocketPair too, with the same limit", () => {
    const [, server] = new WebSocketPair();
    server.serializeAttachment({ a: 1 });
    expect(server.deserializeAttachment()).toEqual({ a: 1 });
    expect(MAX_ATTACHMENT_SIZE).toBe(16384);
  });
});
