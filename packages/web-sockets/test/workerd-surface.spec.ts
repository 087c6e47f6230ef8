/**
 * The parts of workerd's WebSocket surface that issue 10 found missing or different (conformance harness):
 * `on…` handler properties, readyState constants on instances, toString tags, the events' fields,
 * attachments, WebIDL argument conversion (`accept(5)`, `close(1000.5)`, `send()`), `send()` after the
 * automatic close reply, and `new WebSocketPair()` refused at the top level. Observed inside the worker.
 */
import { describe, expect, it } from "vitest";
import { createWorker } from "./helpers.js";

async function inWorker(body: string, compatibilityDate = "2026-07-01"): Promise<unknown> {
  const worker = createWorker(`
    const errorOf = (fn) => { try { fn(); return "no error"; } catch (e) { return [e.name, e.message]; } };
    const settle = () => new Promise((resolve) => setTimeout(resolve, 10));
    export default { async fetch(request, env) {
      const [client, server] = Object.values(new WebSocketPair());
      return Response.json(await (async () => { ${body} })());
    } };`, { compatibilityDate });
  return (await worker.mf.dispatchFetch()).json();
}

describe("WebSocket handler properties", () => {
  it("onmessage and onclose fire; a replaced handler keeps one listener; any value is kept, as in workerd", async () => {
    expect(await inWorker(`
      server.accept(); client.accept();
      const got = [];
      client.onmessage = () => got.push("first");
      client.onmessage = (e) => got.push(["second", e.data]);
      client.onclose = function (e) { got.push(["close", e.code, this === client]); };
      server.send("hi"); server.close(4002); await settle();
      client.onerror = 5;
      return [got, client.onerror, typeof client.onmessage, client.onopen === undefined];`)).toEqual([
      [["second", "hi"], ["close", 4002, true]], 5, "function", true,
    ]);
  });
});

describe("WebSocket shape", () => {
  it("has the readyState constants on instances and workerd's toString tags, events included", async () => {
    expect(await inWorker(`
      server.accept(); client.accept();
      let tags;
      client.addEventListener("message", (e) => { tags = [Object.prototype.toString.call(e), e.origin, e.ports, e.lastEventId, e.source]; });
      server.send("x"); await settle();
      return [[server.CONNECTING, server.OPEN, server.CLOSING, server.CLOSED], Object.prototype.toString.call(server),
        Object.prototype.toString.call(new WebSocketPair()), tags, Object.prototype.toString.call(new CloseEvent("close"))];`)).toEqual([
      [0, 1, 2, 3], "[object WebSocket]", "[object WebSocketPair]", ["[object MessageEvent]", null, [], "", null], "[object CloseEvent]",
    ]);
  });

  it("converts arguments as WebIDL does, with workerd's messages", async () => {
    expect(await inWorker(`
      let code;
      client.accept(); client.addEventListener("close", (e) => (code = e.code));
      const accept5 = errorOf(() => server.accept(5));
      server.accept();
      const sendNothing = errorOf(() => server.send());
      const truncated = errorOf(() => server.close(1000.5));
      await settle();
      return [accept5, sendNothing, truncated, code, errorOf(() => new WebSocket())];`)).toEqual([
      ["TypeError", "Failed to execute 'accept' on 'WebSocket': parameter 1 is not of type 'AcceptOptions'."],
      ["TypeError", "Failed to execute 'send' on 'WebSocket': parameter 1 is not of type 'ArrayBuffer or ArrayBufferView or string'."],
      "no error",
      1000,
      ["TypeError", "Failed to construct 'WebSocket': constructor parameter 1 is not of type 'string'."],
    ]);
  });

  it("refuses send() after the automatic close reply (2026-04-07 on), and allows replying by hand before", async () => {
    const body = `
      server.accept(); client.accept(); let sent;
      client.addEventListener("close", () => { sent = errorOf(() => client.send("late")); });
      server.close(1000); await settle(); return sent;`;
    expect(await inWorker(body)).toEqual(["TypeError", "Can't call WebSocket send() after close()."]);
    expect(await inWorker(body, "2026-04-06")).toBe("no error");
  });
});

describe("WebSocket attachments", () => {
  it("round-trip a structured clone, refuse what cannot be cloned and what is over 16 KiB", async () => {
    expect(await inWorker(`
      const before = server.deserializeAttachment();
      server.serializeAttachment({ a: [1, 2], d: new Date(0) });
      const value = server.deserializeAttachment();
      return [before, value.a, value.d instanceof Date, value !== server.deserializeAttachment(),
        errorOf(() => server.serializeAttachment(() => {})), errorOf(() => server.serializeAttachment("x".repeat(20000)))];`)).toEqual([
      null, [1, 2], true, true,
      ["DataCloneError", "() => {} could not be cloned."],
      ["Error", "A WebSocket 'attachment' cannot be larger than 16384 bytes.'attachment' was 20006 bytes."],
    ]);
  });
});

describe("global scope", () => {
  it("refuses new WebSocketPair() and new WebSocket() at the top level, as workerd does", async () => {
    const worker = createWorker(`
      const outcome = (fn) => { try { fn(); return "allowed"; } catch (e) { return e.message.slice(0, 48); } };
      const atTopLevel = [outcome(() => new WebSocketPair()), outcome(() => new WebSocket("ws://127.0.0.1:9/"))];
      export default { fetch: () => Response.json(atTopLevel) };`);
    expect(await (await worker.mf.dispatchFetch()).json()).toEqual([
      "Disallowed operation called within global scope.",
      "Disallowed operation called within global scope.",
    ]);
  });
});
