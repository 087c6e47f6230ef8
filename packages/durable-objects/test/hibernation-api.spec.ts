// The Hibernation API's methods on ctx: arguments, limits and messages, each as workerd gives it (checked on
// Miniflare 4; conformance/cases/hibernation.mjs compares the same probes with workerd on every run).
import { describe, expect, it } from "vitest";
import { useWorker } from "./sandbox.js";

/** Runs `body` as a method of a Durable Object (`ctx`, `attempt`, `pair` in scope); what it returns, as JSON. */
async function probe(body: string): Promise<unknown> {
  const script = `
import { DurableObject } from "cloudflare:workers";
const describeError = (error) => [error?.constructor?.name, error?.name, String(error?.message ?? error)];
const attempt = (fn) => { try { return { value: fn() }; } catch (error) { return { threw: describeError(error) }; } };
const pair = () => Object.values(new WebSocketPair());
export class Probe extends DurableObject {
  run() { const ctx = this.ctx; ${body} }
}
export default {
  async fetch(request, env) { return Response.json(await env.PROBE.getByName("p").run()); },
};`;
  const { mf } = await useWorker(script, { durableObjects: { PROBE: "Probe" } }, { compatibilityDate: "2026-07-01" });
  return await (await mf.dispatchFetch("http://localhost/")).json();
}

describe("ctx.acceptWebSocket", () => {
  it("refuses a socket already accepted, one whose pair's other end is used, and what is not a WebSocket", async () => {
    expect(
      await probe(`
        const out = {};
        { const [c, s] = pair(); s.accept(); out.afterAccept = attempt(() => ctx.acceptWebSocket(s)); }
        { const [c, s] = pair(); c.accept(); out.peerAccepted = attempt(() => ctx.acceptWebSocket(s)); }
        { const [c, s] = pair(); new Response(null, { status: 101, webSocket: c }); out.peerInResponse = attempt(() => ctx.acceptWebSocket(s)); }
        { const [c, s] = pair(); ctx.acceptWebSocket(s); out.twice = attempt(() => ctx.acceptWebSocket(s));
          out.accept = attempt(() => s.accept()); out.otherEnd = attempt(() => ctx.acceptWebSocket(c)); }
        { const [c, s] = pair(); out.clientEnd = attempt(() => ctx.acceptWebSocket(c)); out.thenServer = attempt(() => ctx.acceptWebSocket(s)); }
        out.notWebSocket = attempt(() => ctx.acceptWebSocket({}));
        out.nothing = attempt(() => ctx.acceptWebSocket());
        { const [c, s] = pair(); out.stringTags = attempt(() => ctx.acceptWebSocket(s, "abc")); out.nullTags = attempt(() => ctx.acceptWebSocket(s, null)); }
        return out;`),
    ).toEqual({
      afterAccept: { threw: ["Error", "Error", "Cannot call `acceptWebSocket()` if the WebSocket was already accepted via `accept()`"] },
      peerAccepted: {
        threw: ["Error", "Error", "Cannot call `acceptWebSocket()` on this WebSocket because its pair has already been accepted or used in a Response."],
      },
      // A Response only carries the other end; it is used once the Response is returned (workerd: coupled).
      peerInResponse: {},
      twice: { threw: ["Error", "Error", "Cannot call `acceptWebSocket()` if the WebSocket was already accepted via `accept()`"] },
      accept: { threw: ["TypeError", "TypeError", "Can't accept() WebSocket after enabling hibernation."] },
      otherEnd: {
        threw: ["Error", "Error", "Cannot call `acceptWebSocket()` on this WebSocket because its pair has already been accepted or used in a Response."],
      },
      // Either end may be the hibernatable one; the other must still be free.
      clientEnd: {},
      thenServer: {
        threw: ["Error", "Error", "Cannot call `acceptWebSocket()` on this WebSocket because its pair has already been accepted or used in a Response."],
      },
      notWebSocket: { threw: ["TypeError", "TypeError", "Failed to execute 'acceptWebSocket' on 'DurableObjectState': parameter 1 is not of type 'WebSocket'."] },
      nothing: { threw: ["TypeError", "TypeError", "Failed to execute 'acceptWebSocket' on 'DurableObjectState': parameter 1 is not of type 'WebSocket'."] },
      stringTags: { threw: ["TypeError", "TypeError", "Failed to execute 'acceptWebSocket' on 'DurableObjectState': parameter 2 is not of type 'Array'."] },
      nullTags: { threw: ["TypeError", "TypeError", "Failed to execute 'acceptWebSocket' on 'DurableObjectState': parameter 2 is not of type 'Array'."] },
    });
  });

  it("takes at most 10 distinct tags of at most 256 UTF-8 bytes, converted to strings, duplicates dropped", async () => {
    expect(
      await probe(`
        const tags = (list) => { const [c, s] = pair(); return attempt(() => { ctx.acceptWebSocket(s, list); return ctx.getTags(s); }); };
        return {
          ten: tags(["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]),
          eleven: tags(["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"]),
          tenThenDuplicate: tags(["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "1"]),
          duplicates: tags(["a", "b", "a", "c", "b"]),
          converted: tags([1, null, undefined, true]),
          tooLong: tags(["x".repeat(257)]),
          bytes256: tags(["é".repeat(128)]).value?.[0].length,
          bytes258: tags(["é".repeat(129)]).threw?.[2].endsWith('" is longer than the max tag length (256 characters).'),
          none: tags(undefined),
          isArray: Array.isArray(tags(["a"]).value),
        };`),
    ).toEqual({
      ten: { value: ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"] },
      eleven: { threw: ["Error", "Error", "a Hibernatable WebSocket cannot have more than 10 tags"] },
      // workerd checks the count before each tag, so an eleventh entry fails even as a duplicate.
      tenThenDuplicate: { threw: ["Error", "Error", "a Hibernatable WebSocket cannot have more than 10 tags"] },
      duplicates: { value: ["a", "b", "c"] },
      converted: { value: ["1", "null", "undefined", "true"] },
      tooLong: { threw: ["Error", "Error", `"${"x".repeat(257)}" is longer than the max tag length (256 characters).`] },
      bytes256: 128,
      bytes258: true,
      none: { value: [] },
      isArray: true,
    });
  });

  it("accepts at most 32,768 sockets in one object", async () => {
    expect(
      await probe(`
        for (let i = 0; i < 32768; i++) ctx.acceptWebSocket(pair()[1]);
        return [ctx.getWebSockets().length, attempt(() => ctx.acceptWebSocket(pair()[1]))];`),
    ).toEqual([32768, { threw: ["Error", "Error", "only 32768 websockets can be accepted on a single Durable Object instance"] }]);
  });
});

describe("ctx.getTags and ctx.getWebSockets", () => {
  it("refuse sockets that are not hibernatable; look tags up as strings", async () => {
    expect(
      await probe(`
        const out = {};
        { const [c, s] = pair(); out.notAccepted = attempt(() => ctx.getTags(s)); s.accept(); out.accepted = attempt(() => ctx.getTags(s)); }
        out.notWebSocket = attempt(() => ctx.getTags({}));
        for (const tags of [["a"], ["a", "1"], ["null"]]) ctx.acceptWebSocket(pair()[1], tags);
        out.lookups = [ctx.getWebSockets().length, ctx.getWebSockets(undefined).length, ctx.getWebSockets("a").length,
          ctx.getWebSockets(1).length, ctx.getWebSockets(null).length, ctx.getWebSockets("nope").length];
        out.sameObjects = ctx.getWebSockets().every((ws, i) => ws === ctx.getWebSockets()[i]);
        out.isArray = Array.isArray(ctx.getWebSockets());
        return out;`),
    ).toEqual({
      notAccepted: { threw: ["Error", "Error", "you must call 'acceptWebSocket()' before attempting to access the tags of a WebSocket."] },
      accepted: { threw: ["Error", "Error", "only hibernatable websockets can have tags."] },
      notWebSocket: { threw: ["TypeError", "TypeError", "Failed to execute 'getTags' on 'DurableObjectState': parameter 1 is not of type 'WebSocket'."] },
      lookups: [3, 3, 2, 1, 1, 0],
      sameObjects: true,
      isArray: true,
    });
  });
});

describe("ctx.setWebSocketAutoResponse and WebSocketRequestResponsePair", () => {
  it("take a pair of strings of at most 2,048 UTF-8 bytes each, with workerd's errors", async () => {
    expect(
      await probe(`
        const out = { none: ctx.getWebSocketAutoResponse() };
        out.pairNoArgs = attempt(() => new WebSocketRequestResponsePair());
        out.pairOneArg = attempt(() => new WebSocketRequestResponsePair("a"));
        out.pairNoNew = attempt(() => WebSocketRequestResponsePair("a", "b"));
        out.pairConverted = attempt(() => { const p = new WebSocketRequestResponsePair(1, 2); return [p.request, p.response]; });
        out.pairShape = attempt(() => { const p = new WebSocketRequestResponsePair("a", "b"); return [Object.keys(p), JSON.stringify(p),
          Object.prototype.toString.call(p), p instanceof WebSocketRequestResponsePair, p instanceof Object, Object.getOwnPropertyNames(Object.getPrototypeOf(p))]; });
        out.bigRequest = attempt(() => ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("x".repeat(2049), "y")));
        out.bigResponse = attempt(() => ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("x", "é".repeat(1025))));
        out.plainObject = attempt(() => ctx.setWebSocketAutoResponse({ request: "a", response: "b" }));
        out.null = attempt(() => ctx.setWebSocketAutoResponse(null));
        out.edge = attempt(() => { ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("x".repeat(2048), "é".repeat(1024)));
          const p = ctx.getWebSocketAutoResponse(); return [p.request.length, p.response.length, p === ctx.getWebSocketAutoResponse(), p instanceof WebSocketRequestResponsePair]; });
        out.unset = attempt(() => { ctx.setWebSocketAutoResponse(); return ctx.getWebSocketAutoResponse(); });
        { const [c, s] = pair(); out.timestampPending = attempt(() => ctx.getWebSocketAutoResponseTimestamp(s)); }
        out.timestampNotWebSocket = attempt(() => ctx.getWebSocketAutoResponseTimestamp({}));
        return out;`),
    ).toEqual({
      none: null,
      pairNoArgs: { threw: ["TypeError", "TypeError", "Failed to construct 'WebSocketRequestResponsePair': constructor parameter 1 is not of type 'string'."] },
      pairOneArg: { threw: ["TypeError", "TypeError", "Failed to construct 'WebSocketRequestResponsePair': constructor parameter 2 is not of type 'string'."] },
      pairNoNew: {
        threw: ["TypeError", "TypeError", "Failed to construct 'WebSocketRequestResponsePair': Please use the 'new' operator, this object constructor cannot be called as a function."],
      },
      pairConverted: { value: ["1", "2"] },
      pairShape: { value: [[], "{}", "[object WebSocketRequestResponsePair]", true, true, ["request", "response", "constructor"]] },
      bigRequest: { threw: ["RangeError", "RangeError", "Request cannot be larger than 2048 bytes. A request of size 2049 was provided."] },
      bigResponse: { threw: ["RangeError", "RangeError", "Response cannot be larger than 2048 bytes. A response of size 2050 was provided."] },
      plainObject: {
        threw: ["TypeError", "TypeError", "Failed to execute 'setWebSocketAutoResponse' on 'DurableObjectState': parameter 1 is not of type 'WebSocketRequestResponsePair'."],
      },
      null: {
        threw: ["TypeError", "TypeError", "Failed to execute 'setWebSocketAutoResponse' on 'DurableObjectState': parameter 1 is not of type 'WebSocketRequestResponsePair'."],
      },
      edge: { value: [2048, 1024, false, true] },
      unset: { value: null },
      timestampPending: { value: null },
      timestampNotWebSocket: {
        threw: ["TypeError", "TypeError", "Failed to execute 'getWebSocketAutoResponseTimestamp' on 'DurableObjectState': parameter 1 is not of type 'WebSocket'."],
      },
    });
  });
});

describe("ctx.setHibernatableWebSocketEventTimeout", () => {
  it("converts as workerd does, refuses more than 7 days, and unsets with 0 or nothing", async () => {
    expect(
      await probe(`
        const set = (...args) => attempt(() => { ctx.setHibernatableWebSocketEventTimeout(...args); return ctx.getHibernatableWebSocketEventTimeout(); });
        return { none: ctx.getHibernatableWebSocketEventTimeout(), max: set(604800000), overMax: set(604800001), zero: set(0), fraction: set(1.7),
          string: set("100"), negative: set(-1), nan: set(NaN), huge: set(2 ** 32 + 5), unset: set() };`),
    ).toEqual({
      none: null,
      max: { value: 604800000 },
      overMax: { threw: ["Error", "Error", "Event timeout should not exceed 604800000 ms."] },
      zero: { value: null },
      fraction: { value: 1 },
      string: { value: 100 },
      negative: { threw: ["TypeError", "TypeError", "The value cannot be converted because it is negative and this API expects a positive number."] },
      nan: { threw: ["TypeError", "TypeError", "The value cannot be converted because it is not an integer."] },
      huge: { threw: ["TypeError", "TypeError", "Value out of range. Must be less than or equal to 4294967295."] },
      unset: { value: null },
    });
  });
});
