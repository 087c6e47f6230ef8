import { describe, expect, it } from "vitest";
import type { WebSocket as WsClient } from "ws";
import type { WebSocket } from "@flarelet/web-sockets";
import { closeOf, connectClient, createWorker, messageOf, startCouplingServer, startUpstream } from "./helpers.js";

/**
 * `/pair` returns a pair end to the caller; `/server` is for a coupled client; `/clients` opens a fetch()
 * socket and a `new WebSocket()` socket to env.UPSTREAM. Everything answers "version" with VERSION.
 */
const WORKER = (version: string) => `
export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname;
    if (path === "/clients") {
      const res = await fetch(env.UPSTREAM, { headers: { Upgrade: "websocket" } });
      res.webSocket.accept();
      const ws = new WebSocket(env.UPSTREAM.replace("http", "ws"));
      await new Promise((resolve) => ws.addEventListener("open", resolve));
      return new Response("connected");
    }
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    server.addEventListener("message", (event) => server.send("${version}"));
    // Before web_socket_auto_reply_to_close the worker's own close() answers a client's Close.
    server.addEventListener("close", (event) => server.close(event.code, event.reason));
    return new Response(null, { status: 101, webSocket: client });
  },
};
`;

interface UpstreamClose {
  code: number;
  reason: string;
}

async function setUp() {
  const upstreamCloses: UpstreamClose[] = [];
  let connected = 0;
  let notifyClosed: () => void = () => {};
  const upstream = await startUpstream((ws) => {
    connected++;
    ws.on("close", (code, reason) => {
      upstreamCloses.push({ code, reason: reason.toString() });
      if (upstreamCloses.length === 2) notifyClosed();
    });
  });
  const upstreamClosed = new Promise<void>((resolve) => (notifyClosed = resolve));
  const worker = createWorker(WORKER("v1"), { bindings: { UPSTREAM: upstream.httpUrl } });
  const { url } = await startCouplingServer(worker.mf);

  const pairEnd = (await worker.mf.dispatchFetch("http://localhost/pair")).webSocket as WebSocket;
  const pairClosed = new Promise<UpstreamClose>((resolve) =>
    pairEnd.addEventListener("close", (event) => resolve(event as unknown as UpstreamClose)),
  );
  pairEnd.accept();
  const coupled: WsClient = await connectClient(`${url}/server`);
  expect(await (await worker.mf.dispatchFetch("http://localhost/clients")).text()).toBe("connected");
  expect(connected).toBe(2);
  return { worker, url, upstreamCloses, upstreamClosed, pairEnd, pairClosed, coupled };
}

describe("reload", () => {
  it("closes every WebSocket the worker holds with 1012 Service Restart: pair ends, coupled clients, fetch() and new WebSocket() sockets", async () => {
    const { worker, url, upstreamCloses, upstreamClosed, pairClosed, coupled } = await setUp();
    const coupledClosed = closeOf(coupled);
    await worker.mf.setOptions({ script: WORKER("v2") });

    const pairClose = await pairClosed;
    expect([pairClose.code, pairClose.reason]).toEqual([1012, "Service Restart"]);
    expect(await coupledClosed).toEqual({ code: 1012, reason: "Service Restart" });
    await upstreamClosed;
    expect(upstreamCloses).toEqual([
      { code: 1012, reason: "Service Restart" },
      { code: 1012, reason: "Service Restart" },
    ]);

    // New connections reach the new code.
    const fresh = await connectClient(`${url}/server`);
    fresh.send("version");
    expect((await messageOf(fresh)).data.toString()).toBe("v2");
  });

  it("closes them with 1001 Going Away on dispose", async () => {
    const { worker, upstreamCloses, upstreamClosed, pairClosed, coupled } = await setUp();
    const coupledClosed = closeOf(coupled);
    await worker.mf.dispose();
    const pairClose = await pairClosed;
    expect([pairClose.code, pairClose.reason]).toEqual([1001, "Going Away"]);
    expect(await coupledClosed).toEqual({ code: 1001, reason: "Going Away" });
    await upstreamClosed;
    expect(upstreamCloses).toEqual([
      { code: 1001, reason: "Going Away" },
      { code: 1001, reason: "Going Away" },
    ]);
  });

  it("keeps connections open when the new version fails to load, and closes them once one loads", async () => {
    const worker = createWorker(WORKER("v1"));
    const { url } = await startCouplingServer(worker.mf);
    const client = await connectClient(`${url}/server`);
    await expect(worker.mf.setOptions({ script: "export default {" })).rejects.toMatchObject({ code: "ERR_SCRIPT_SYNTAX" });
    // The previous version still serves this connection.
    client.send("version");
    expect((await messageOf(client)).data.toString()).toBe("v1");
    const closed = closeOf(client);
    await worker.mf.setOptions({ script: WORKER("v3") });
    expect(await closed).toEqual({ code: 1012, reason: "Service Restart" });
  });

  it("does not touch sockets that already closed", async () => {
    const worker = createWorker(WORKER("v1"));
    const { url } = await startCouplingServer(worker.mf);
    const client = await connectClient(`${url}/server`);
    client.close(1000, "done");
    await closeOf(client);
    // Both directions are closed, so the socket has left the set that reload shuts.
    expect(worker.plugin.openSockets).toBe(0);
    await worker.mf.reload();
    expect(worker.lines.filter((line) => line.includes("[flarelet:err]"))).toEqual([]);
  });
});
