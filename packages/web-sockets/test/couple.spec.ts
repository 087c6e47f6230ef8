/**
 * Coupling (src/couple.ts) where it is specific to it: the message limit and the runtime's refusals. What
 * every transport shares (echo, close codes both ways, 1005/1006, a throwing listener dropping its socket (1006), messages sent
 * before the response) is one suite over every transport: packages/http-server/test/transports.spec.ts.
 */
import { describe, expect, it } from "vitest";
import { WebSocketPair, assertCouplable, coupleWebSocket } from "@flarelet/web-sockets";
import { closeOf, connectClient, createWorker, ECHO_WORKER, messageOf, startCouplingServer } from "./helpers.js";

/** Reports the worker end's events through env.record; answers "ping" with "pong". */
const RECORDING_WORKER = `
export default {
  fetch(request, env) {
    const [client, server] = Object.values(new WebSocketPair());
    const url = new URL(request.url);
    server.accept();
    server.addEventListener("message", (event) => {
      const data = event.data;
      env.record({
        kind: "message",
        type: typeof data === "string" ? "string" : data instanceof ArrayBuffer ? "ArrayBuffer" : "other",
        realm: typeof data === "string" || Object.getPrototypeOf(data) === ArrayBuffer.prototype,
        size: typeof data === "string" ? data.length : data.byteLength,
      });
      if (data === "ping") server.send("pong");
      if (data === "close me") server.close(4000, "as you wish");
    });
    server.addEventListener("close", (event) => {
      env.record({ kind: "close", code: event.code, reason: event.reason, wasClean: event.wasClean });
      if (url.searchParams.has("reply")) server.close(4001, "worker's own reply");
    });
    server.addEventListener("error", (event) => env.record({ kind: "error", message: event.message }));
    return new Response(null, { status: 101, webSocket: client });
  },
};
`;

describe("coupleWebSocket", () => {
  it("closes the connection with 1009 and the runtime's reason for a message over maxMessageSize", async () => {
    const worker = createWorker(RECORDING_WORKER, { webSockets: { maxMessageSize: 1024 } });
    const { url } = await startCouplingServer(worker.mf, 1024);
    const atLimit = await connectClient(url);
    atLimit.send(Buffer.alloc(1024));
    atLimit.send("ping");
    expect((await messageOf(atLimit)).data.toString()).toBe("pong");

    const over = await connectClient(url);
    const closed = closeOf(over);
    over.send(Buffer.alloc(1025));
    expect(await closed).toEqual({ code: 1009, reason: "Message is too large: 1025 > 1024" });
    expect(await worker.waitForRecord((r) => r.kind === "error")).toMatchObject({ kind: "error" });
  });

  it("refuses a WebSocket that was accepted or already used, with the runtime's messages", async () => {
    const accepted = new WebSocketPair();
    accepted[0].accept();
    expect(() => assertCouplable(accepted[0])).toThrow(new TypeError("Can't return WebSocket in a Response after calling accept()."));

    const used = new WebSocketPair();
    const { url } = await startCouplingServer(createWorker(ECHO_WORKER).mf);
    const upstream = await connectClient(url); // any live ws socket will do as the other side
    coupleWebSocket(upstream, used[0]);
    expect(() => assertCouplable(used[0])).toThrow(new TypeError("Can't return WebSocket that was already used in a response."));
    expect(() => used[0].accept()).toThrow(new TypeError("Can't accept() WebSocket that was already used in a response."));
    expect(() => assertCouplable({})).toThrow(TypeError);
  });
});
