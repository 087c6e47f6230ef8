import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { WebSocket as WsClient } from "ws";
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
  it("echoes text and binary through the seed page's echo worker", async () => {
    const { mf } = createWorker(ECHO_WORKER);
    const { url } = await startCouplingServer(mf);
    const ws = await connectClient(url);
    ws.send("Hello!");
    expect(await messageOf(ws)).toMatchObject({ isBinary: false });
    const binary = Buffer.from([1, 2, 3, 250]);
    ws.send(binary);
    const echoed = await messageOf(ws);
    expect(echoed.isBinary).toBe(true);
    expect([...echoed.data]).toEqual([1, 2, 3, 250]);
    ws.send("again");
    expect((await messageOf(ws)).data.toString()).toBe("again");
  });

  it("gives the worker binary messages as ArrayBuffers of its realm and text as strings", async () => {
    const worker = createWorker(RECORDING_WORKER);
    const { url } = await startCouplingServer(worker.mf);
    const ws = await connectClient(url);
    ws.send(Buffer.alloc(10, 7));
    ws.send("ping");
    expect((await messageOf(ws)).data.toString()).toBe("pong");
    expect(worker.records.filter((r) => (r as { kind: string }).kind === "message")).toEqual([
      { kind: "message", type: "ArrayBuffer", realm: true, size: 10 },
      { kind: "message", type: "string", realm: true, size: 4 },
    ]);
  });

  it("carries close codes and reasons both ways", async () => {
    const worker = createWorker(RECORDING_WORKER);
    const { url } = await startCouplingServer(worker.mf);

    const fromClient = await connectClient(url);
    fromClient.close(3001, "client bye");
    expect(await worker.waitForRecord((r) => r.kind === "close")).toEqual({ kind: "close", code: 3001, reason: "client bye", wasClean: true });

    const fromWorker = await connectClient(url);
    const closed = closeOf(fromWorker);
    fromWorker.send("close me");
    expect(await closed).toEqual({ code: 4000, reason: "as you wish" });
  });

  it("reports a client close() without a code as 1005", async () => {
    const worker = createWorker(RECORDING_WORKER);
    const { url } = await startCouplingServer(worker.mf);
    const ws = await connectClient(url);
    ws.close();
    expect(await worker.waitForRecord((r) => r.kind === "close")).toEqual({ kind: "close", code: 1005, reason: "", wasClean: true });
  });

  it("reports a client that vanishes as 1006, not clean", async () => {
    const worker = createWorker(RECORDING_WORKER);
    const { url } = await startCouplingServer(worker.mf);
    const ws = await connectClient(url);
    ws.terminate();
    expect(await worker.waitForRecord((r) => r.kind === "close")).toEqual({
      kind: "close",
      code: 1006,
      reason: "WebSocket disconnected without sending Close frame.",
      wasClean: false,
    });
  });

  it("lets the worker's own reply to a received close reach the client (before web_socket_auto_reply_to_close)", async () => {
    const worker = createWorker(RECORDING_WORKER);
    const { url } = await startCouplingServer(worker.mf);
    const ws = await connectClient(`${url}/?reply`);
    const closed = closeOf(ws);
    ws.close(3002, "client first");
    expect(await closed).toEqual({ code: 4001, reason: "worker's own reply" });
  });

  it("answers a client's close automatically from 2026-04-07, with the client's code", async () => {
    const worker = createWorker(RECORDING_WORKER, { compatibilityDate: "2026-04-07" });
    const { url } = await startCouplingServer(worker.mf);
    const ws = await connectClient(url);
    const closed = closeOf(ws);
    ws.close(3003, "auto");
    expect(await closed).toEqual({ code: 3003, reason: "auto" });
  });

  it("sends what the worker sent before its response first, in order, then the rest", async () => {
    const { mf } = createWorker(`
      export default {
        fetch() {
          const [client, server] = Object.values(new WebSocketPair());
          server.accept();
          server.send("first");
          server.send(new Uint8Array([2]));
          server.send("third");
          server.addEventListener("message", (event) => server.send("echo:" + event.data));
          return new Response(null, { status: 101, webSocket: client });
        },
      };
    `);
    const { url } = await startCouplingServer(mf);
    const ws = new WsClient(url);
    const received: string[] = [];
    ws.on("message", (data, isBinary) => received.push(isBinary ? `binary:${[...(data as Buffer)].join()}` : data.toString()));
    await once(ws, "open");
    ws.send("later");
    while (received.length < 4) await once(ws, "message");
    ws.terminate();
    expect(received).toEqual(["first", "binary:2", "third", "echo:later"]);
  });

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

  it("contains a throwing listener: that client gets 1011, the error is logged, a second client is served", async () => {
    const worker = createWorker(`
      export default {
        fetch() {
          const [client, server] = Object.values(new WebSocketPair());
          server.accept();
          server.addEventListener("message", (event) => {
            if (event.data === "throw") throw new Error("worker listener failed");
            server.send(event.data);
          });
          return new Response(null, { status: 101, webSocket: client });
        },
      };
    `);
    const { url } = await startCouplingServer(worker.mf);
    const first = await connectClient(url);
    const closed = closeOf(first);
    first.send("throw");
    expect(await closed).toEqual({ code: 1011, reason: "Internal Error" });
    expect(worker.lines.some((line) => line.includes("worker listener failed") && line.includes("test /"))).toBe(true);

    const second = await connectClient(url);
    second.send("healthy");
    expect((await messageOf(second)).data.toString()).toBe("healthy");
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
