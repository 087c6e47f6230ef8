import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { WebSocket as WsClient } from "ws";
import { closeOf, createWorker, onCleanup, startCouplingServer } from "./helpers.js";

describe("backpressure", () => {
  it("reads nothing from a client until the worker accepts its end; then every message arrives, in order", async () => {
    const worker = createWorker(`
      let held;
      export default {
        async fetch(request, env) {
          if (new URL(request.url).pathname === "/accept") {
            held.addEventListener("message", (event) => env.record(event.data));
            held.accept();
            return new Response("accepted");
          }
          const [client, server] = Object.values(new WebSocketPair());
          held = server; // not accepted yet: workerd does not read from the client until it is
          return new Response(null, { status: 101, webSocket: client });
        },
      };
    `);
    const { url, wss } = await startCouplingServer(worker.mf);
    const client = new WsClient(url);
    onCleanup(() => client.terminate());
    await once(client, "open");
    const [serverSide] = [...wss.clients];
    expect(serverSide!.isPaused).toBe(true);
    const sent = Array.from({ length: 20 }, (_, index) => `message ${index}`);
    await Promise.all(sent.map((message) => new Promise((resolve) => client.send(message, resolve))));
    expect(await (await worker.mf.dispatchFetch("http://localhost/accept")).text()).toBe("accepted");
    expect(serverSide!.isPaused).toBe(false);
    await worker.waitForRecord<unknown>((data) => data === "message 19");
    expect(worker.records).toEqual(sent);
  });

  it("drops a client that does not read once maxBufferedAmount is exceeded, logging why, and the worker sees 1006", async () => {
    const worker = createWorker(
      `
      export default {
        fetch(request, env) {
          const [client, server] = Object.values(new WebSocketPair());
          server.accept();
          server.addEventListener("message", () => {
            // 32 MiB: more than loopback's kernel buffers hold, far over the 256 KiB allowance below.
            const chunk = new Uint8Array(1024 * 1024);
            for (let i = 0; i < 32; i++) server.send(chunk);
          });
          server.addEventListener("close", (event) => env.record({ code: event.code, wasClean: event.wasClean }));
          return new Response(null, { status: 101, webSocket: client });
        },
      };
      `,
      { webSockets: { maxBufferedAmount: 256 * 1024 } },
    );
    const { url } = await startCouplingServer(worker.mf);
    const client = new WsClient(url);
    onCleanup(() => client.terminate());
    await once(client, "open");
    // Stop reading: the kernel buffers fill and ws starts to buffer on the server.
    (client as unknown as { _socket: { pause(): void } })._socket.pause();
    const closed = closeOf(client);
    client.send("flood me");
    expect(await worker.waitForRecord(() => true)).toEqual({ code: 1006, wasClean: false });
    expect(worker.lines.some((line) => line.includes("has not read") && line.includes("dropping the connection"))).toBe(true);
    (client as unknown as { _socket: { resume(): void } })._socket.resume();
    expect((await closed).code).toBe(1006);
  });

  it("delivers everything to a client that reads slowly, without dropping it", async () => {
    const worker = createWorker(
      `
      export default {
        fetch(request, env) {
          const [client, server] = Object.values(new WebSocketPair());
          server.accept();
          server.addEventListener("message", (event) => server.send(event.data));
          return new Response(null, { status: 101, webSocket: client });
        },
      };
      `,
      { webSockets: { maxBufferedAmount: 8 * 1024 * 1024 } },
    );
    const { url } = await startCouplingServer(worker.mf);
    const client = new WsClient(url);
    onCleanup(() => client.terminate());
    await once(client, "open");
    const total = 200;
    let received = 0;
    const done = new Promise<void>((resolve) =>
      client.on("message", () => {
        if (++received === total) resolve();
      }),
    );
    const chunk = Buffer.alloc(32 * 1024, 1);
    for (let i = 0; i < total; i++) client.send(chunk);
    await done;
    expect(received).toBe(total);
    expect(worker.lines.filter((line) => line.includes("dropping the connection"))).toEqual([]);
  });
});
