/**
 * What the Durable Objects Hibernation API builds on (src/hibernation.ts): an end accepted for a sink
 * delivers there instead of to its listeners, answers no Close by itself, refuses accept() and coupling
 * with workerd's messages, can be given a new WebSocket object, and sends auto-responses without a worker.
 * The Durable Object side (ctx.acceptWebSocket and the handlers) is tested in @flarelet/durable-objects.
 */
import { describe, expect, it } from "vitest";
import { enableRequestContext, runInRequestContext } from "@flarelet/core";
import {
  acceptanceOf,
  acceptHibernatable,
  peerAwaitingCoupling,
  sinkOf,
  WebSocket,
  type HibernatableSocket,
  type InboundSink,
} from "@flarelet/web-sockets";
import { closeOf, connectClient, createWorker, messageOf, startCouplingServer } from "./helpers.js";

/** A sink that records what reaches it. */
function recordingSink(): InboundSink & { events: unknown[]; next(): Promise<unknown> } {
  const events: unknown[] = [];
  let wake: (() => void) | undefined;
  const push = (event: unknown) => {
    events.push(event);
    wake?.();
  };
  return {
    events,
    message: (data) => push(typeof data === "string" ? ["message", data] : ["binary", [...new Uint8Array(data)], Object.getPrototypeOf(data)]),
    close: (code, reason, wasClean) => push(["close", code, reason, wasClean]),
    error: (error) => push(["error", String(error)]),
    next: () => new Promise<void>((resolve) => (wake = resolve)),
  };
}

/** A worker whose fetch() hands its server end to `accept` (a host function, as the Durable Object code is). */
function serveHibernatable(accept: (server: WebSocket) => void, compatibilityDate = "2026-07-01") {
  return createWorker(
    `export default { fetch(request, env) {
      const [client, server] = Object.values(new WebSocketPair());
      server.addEventListener("message", () => env.record("a listener ran"));
      env.accept(server);
      return new Response(null, { status: 101, webSocket: client });
    } };`,
    { compatibilityDate, bindings: { accept } },
  );
}

describe("acceptHibernatable", () => {
  it("sends a network client's messages and Close to the sink, not to listeners, and does not reply to the Close", async () => {
    const sink = recordingSink();
    let accepted: WebSocket | undefined;
    const worker = serveHibernatable((server) => {
      acceptHibernatable(server, sink);
      accepted = server;
    });
    const { url } = await startCouplingServer(worker.mf);
    const client = await connectClient(`${url}/`);
    client.send("hello");
    await sink.next();
    client.send(new Uint8Array([1, 2, 3]));
    await sink.next();
    const clientClosed = closeOf(client);
    client.close(4000, "bye");
    await sink.next();
    // Binary data is an ArrayBuffer of the worker's realm (whatever binaryType says, as in workerd).
    const realm = (await worker.mf.getGlobalScope()) as unknown as typeof globalThis;
    expect(sink.events).toEqual([["message", "hello"], ["binary", [1, 2, 3], realm.ArrayBuffer.prototype], ["close", 4000, "bye", true]]);
    expect(worker.records).toEqual([]);
    // workerd leaves the reply to webSocketClose at every date: the socket is CLOSING until it calls close().
    expect(accepted!.readyState).toBe(WebSocket.CLOSING);
    accepted!.close(4000, "replied");
    expect(await clientClosed).toEqual({ code: 4000, reason: "replied" });
  });

  it("reports a vanished client as 1006 and a protocol error as an error", async () => {
    const sink = recordingSink();
    const worker = serveHibernatable((server) => acceptHibernatable(server, sink));
    const { url } = await startCouplingServer(worker.mf, 10);
    const gone = await connectClient(`${url}/`);
    gone.terminate();
    await sink.next();
    const tooBig = await connectClient(`${url}/`);
    tooBig.send("x".repeat(11));
    await sink.next();
    expect(sink.events[0]).toEqual(["close", 1006, "WebSocket disconnected without sending Close frame.", false]);
    expect(sink.events[1]).toEqual(["error", expect.stringContaining("Max payload size exceeded")]);
  });

  it("refuses accept(), a Response, and a second acceptance with workerd's messages", async () => {
    const { mf } = createWorker(`export default { fetch(request, env) {
      const describe = (fn) => { try { fn(); return "ok"; } catch (e) { return [e.constructor.name, e.message]; } };
      const [client, server] = Object.values(new WebSocketPair());
      env.accept(server);
      const [otherClient, other] = Object.values(new WebSocketPair());
      other.accept();
      return Response.json({
        accept: describe(() => server.accept()),
        response: describe(() => new Response(null, { status: 101, webSocket: server })),
        again: describe(() => env.accept(server)),
        accepted: describe(() => env.accept(other)),
      });
    } };`, { bindings: { accept: (server: WebSocket) => acceptHibernatable(server, recordingSink()) } });
    const result = (await (await mf.dispatchFetch()).json()) as Record<string, unknown>;
    const incompatible = ["TypeError", "Tried to make an api::WebSocket hibernatable when it was in an incompatible state."];
    expect(result).toEqual({
      accept: ["TypeError", "Can't accept() WebSocket after enabling hibernation."],
      response: "ok",
      again: incompatible,
      accepted: incompatible,
    });
    // The Response itself is allowed; returning it to the client is what fails (as a coupling error).
  });

  it("tells how a socket was accepted and whether its pair's other end still waits", async () => {
    const { mf } = createWorker(`export default { fetch(request, env) {
      const [client, server] = Object.values(new WebSocketPair());
      const before = [env.acceptance(server), env.peerWaits(server)];
      env.accept(server);
      const [c2, s2] = Object.values(new WebSocketPair());
      c2.accept();
      return Response.json({ before, after: [env.acceptance(server), env.acceptance(c2), env.peerWaits(server), env.peerWaits(s2), env.hasSink(server)] });
    } };`, {
      bindings: {
        accept: (server: WebSocket) => acceptHibernatable(server, recordingSink()),
        acceptance: acceptanceOf,
        peerWaits: peerAwaitingCoupling,
        hasSink: (socket: WebSocket) => sinkOf(socket) !== undefined,
      },
    });
    expect(await (await mf.dispatchFetch()).json()).toEqual({ before: ["none", true], after: ["hibernatable", "accept", true, false, true] });
  });
});

describe("HibernatableSocket", () => {
  it("gives a new WebSocket object of the worker's class after hibernate(), which still reaches the client", async () => {
    let socket: HibernatableSocket | undefined;
    let first: WebSocket | undefined;
    const worker = serveHibernatable((server) => {
      first = server;
      socket = acceptHibernatable(server, recordingSink());
    });
    const { url } = await startCouplingServer(worker.mf);
    const client = await connectClient(`${url}/`);
    expect(socket!.webSocket).toBe(first);
    socket!.hibernate();
    const second = socket!.webSocket;
    expect(second).not.toBe(first);
    expect(second.constructor).toBe(first!.constructor);
    expect(socket!.webSocket).toBe(second);
    const message = messageOf(client);
    second.send("from the new object");
    expect((await message).data.toString()).toBe("from the new object");
  });

  it("sends an auto-response while open, and none once this side's Close went out", async () => {
    let socket: HibernatableSocket | undefined;
    const worker = serveHibernatable((server) => (socket = acceptHibernatable(server, recordingSink())));
    const { url } = await startCouplingServer(worker.mf);
    const client = await connectClient(`${url}/`);
    const received: string[] = [];
    client.on("message", (data) => received.push(String(data)));
    const closed = closeOf(client);
    socket!.sendAutoResponse("pong");
    socket!.webSocket.close(1000, "done");
    socket!.sendAutoResponse("too late");
    await closed;
    expect(received).toEqual(["pong"]);
  });
});

describe("keepAlive (what keeps a Durable Object awake)", () => {
  it("is taken by accept() in an event that offers it and given back once the socket is closed; acceptHibernatable takes none", async () => {
    enableRequestContext();
    const events: string[] = [];
    const context = {
      env: {},
      waitUntil: () => {},
      keepAlive: () => {
        events.push("taken");
        return () => events.push("given back");
      },
    };
    const { mf } = createWorker(`export default { fetch: () => new Response("") };`);
    const global = (await mf.getGlobalScope()) as unknown as { WebSocketPair: new () => { 0: WebSocket; 1: WebSocket } };
    const { 0: client, 1: server } = new global.WebSocketPair();
    const { 1: hibernatable } = new global.WebSocketPair();
    runInRequestContext(context, () => {
      server.accept();
      acceptHibernatable(hibernatable, recordingSink());
    });
    expect(events).toEqual(["taken"]);
    client.accept();
    const closed = new Promise((resolve) => server.addEventListener("close", resolve));
    server.close(1000);
    client.close(1000);
    await closed;
    expect(events).toEqual(["taken", "given back"]);
  });
});
