// The handlers of hibernatable WebSockets (webSocketMessage, webSocketClose, webSocketError) as a real `ws`
// client over a real server drives them, and as a worker that keeps the client end drives them.
import { describe, expect, it } from "vitest";
import { connect, serve } from "./sandbox.js";
import { useRoomWorker } from "./hibernation-fixture.js";
import type { WebSocket as WorkersWebSocket } from "@flarelet/web-sockets";

describe("webSocketMessage", () => {
  it("gets text as a string and binary as an ArrayBuffer of the worker, with the socket's tags and attachment", async () => {
    const worker = await useRoomWorker();
    const url = await serve(worker.mf);
    const alice = await connect(`${url}/ws?tag=alice&tag=everyone&name=Alice`);
    alice.ws.send("hello");
    expect(await alice.next()).toBe("echo:hello");
    alice.ws.send(new Uint8Array([1, 2, 3]));
    expect(await alice.next()).toBe("echo:binary");
    const messages = worker.records.filter((record) => record.event === "message");
    expect(messages).toEqual([
      { event: "message", data: "hello", binary: false, wsType: true, tags: ["alice", "everyone"], name: "Alice", memory: "set by the constructor", note: null, listed: true },
      { event: "message", data: [1, 2, 3], binary: true, wsType: true, tags: ["alice", "everyone"], name: "Alice", memory: "set by the constructor", note: null, listed: true },
    ]);
  });

  it("binary is an ArrayBuffer at the date binaryType defaults to blob, too", async () => {
    const worker = await useRoomWorker({}, { compatibilityDate: "2026-07-01" });
    const url = await serve(worker.mf);
    const client = await connect(`${url}/ws`);
    client.ws.send(new Uint8Array([9]));
    expect(await client.next()).toBe("echo:binary");
    expect(worker.records.find((record) => record.event === "message")).toMatchObject({ data: [9], binary: true });
  });

  it("reaches the object when the worker itself holds the client end (no network)", async () => {
    const worker = await useRoomWorker();
    const response = await worker.mf.dispatchFetch("http://localhost/ws?tag=local");
    const client = response.webSocket as unknown as WorkersWebSocket;
    client.accept();
    const echoed = new Promise<string>((resolve) => client.addEventListener("message", (event) => resolve(String(event.data))));
    client.send("from the worker side");
    expect(await echoed).toBe("echo:from the worker side");
    expect(worker.records.find((record) => record.event === "message")).toMatchObject({ data: "from the worker side", tags: ["local"] });
  });

  it("that throws is logged, and the socket stays open", async () => {
    const worker = await useRoomWorker();
    const url = await serve(worker.mf);
    const client = await connect(`${url}/ws`);
    client.ws.send("throw");
    client.ws.send("still there?");
    expect(await client.next()).toBe("echo:still there?");
    expect(await worker.log.waitFor(/Uncaught exception in webSocketMessage\(\) of Durable Object Room .*webSocketMessage threw/s)).toBeTruthy();
  });

  it("waits for the input gate like any other event: concurrent read-modify-writes lose nothing", async () => {
    const worker = await useRoomWorker();
    const url = await serve(worker.mf);
    const clients = await Promise.all(Array.from({ length: 10 }, () => connect(`${url}/ws`)));
    for (const client of clients) client.ws.send("count");
    const counts = await Promise.all(clients.map((client) => client.next()));
    expect(counts.sort((a, b) => Number(a.slice(6)) - Number(b.slice(6)))).toEqual(Array.from({ length: 10 }, (_, i) => `count:${i + 1}`));
  });

  it("lists sockets newest first, and by tag oldest first, as workerd does", async () => {
    const worker = await useRoomWorker();
    const url = await serve(worker.mf);
    await connect(`${url}/ws?tag=all&name=first`);
    await connect(`${url}/ws?tag=all&name=second`);
    await connect(`${url}/ws?tag=all&tag=odd&name=third`);
    const state = JSON.parse(await worker.text("/state")) as { sockets: { name: string; tags: string[]; readyState: number }[] };
    expect(state.sockets).toEqual([
      { tags: ["all", "odd"], name: "third", readyState: 1, autoResponseAt: null },
      { tags: ["all"], name: "second", readyState: 1, autoResponseAt: null },
      { tags: ["all"], name: "first", readyState: 1, autoResponseAt: null },
    ]);
  });
});

describe("webSocketClose", () => {
  for (const compatibilityDate of ["2025-01-01", "2026-07-01"]) {
    it(`gets the client's code, reason and wasClean in CLOSING; the client sees a Close only when the handler calls close() (${compatibilityDate})`, async () => {
      const worker = await useRoomWorker({}, { compatibilityDate });
      const url = await serve(worker.mf);
      // No reply: workerd's hibernation manager does not answer a Close for the object, before or after
      // web_socket_auto_reply_to_close (2026-04-07); the client hears only what the handler sent.
      const silent = await connect(`${url}/ws?room=silent`);
      silent.ws.close(4003, "no reply");
      expect(await silent.next()).toBe("in close");
      expect(await worker.waitForRecord((record) => record.event === "after close")).toEqual({ event: "after close", listed: true });
      expect(worker.records.find((record) => record.event === "close")).toEqual({
        event: "close", code: 4003, reason: "no reply", wasClean: true, readyState: 2, listed: true, tags: [], name: null, send: {},
      });
      const state = JSON.parse(await worker.text("/state?room=silent")) as { sockets: unknown[] };
      expect(state.sockets).toEqual([]);
      // The handler's close() is the reply the client sees.
      const replied = await connect(`${url}/ws?room=replied`);
      replied.ws.close(4004, "reply");
      expect(await replied.closed).toEqual({ code: 4004, reason: "replied" });
    });
  }

  it("gets 1005 for a Close without a code, and 1006 with wasClean false for a client that vanished", async () => {
    const worker = await useRoomWorker();
    const url = await serve(worker.mf);
    const noCode = await connect(`${url}/ws?room=a`);
    noCode.ws.close();
    expect(await worker.waitForRecord((record) => record.event === "close")).toMatchObject({ code: 1005, reason: "", wasClean: true });
    const gone = await connect(`${url}/ws?room=b&name=Gone`);
    gone.ws.terminate();
    expect(await worker.waitForRecord((record) => record.event === "close" && record.code === 1006)).toEqual({
      event: "close",
      code: 1006,
      reason: "WebSocket disconnected without sending Close frame.",
      wasClean: false,
      readyState: 2,
      listed: true,
      tags: [],
      name: "Gone",
      send: {},
    });
  });

  it("follows the object's own close(): the client sees its code, the handler the client's answer, CLOSED", async () => {
    const worker = await useRoomWorker();
    const url = await serve(worker.mf);
    const client = await connect(`${url}/ws`);
    client.ws.send("close");
    expect(await client.closed).toEqual({ code: 4001, reason: "asked to" });
    expect(await worker.waitForRecord((record) => record.event === "close")).toMatchObject({
      code: 4001,
      reason: "asked to",
      wasClean: true,
      readyState: 3,
      listed: true,
      send: { threw: ["TypeError", "TypeError", "Can't call WebSocket send() after close()."] },
    });
  });
});

describe("webSocketError", () => {
  it("gets workerd's protocol error for a message over the limit, and the socket leaves the list", async () => {
    const worker = await useRoomWorker({}, {}, { maxMessageSize: 16 });
    const url = await serve(worker.mf);
    const client = await connect(`${url}/ws`);
    client.ws.send("x".repeat(17));
    expect(await worker.waitForRecord((record) => record.event === "error")).toEqual({
      event: "error",
      error: ["Error", "Error", "WebSocket protocol error; protocolError.statusCode = 1009; protocolError.description = Message is too large"],
      isError: true,
      listed: true,
    });
    expect((await client.closed).code).toBe(1009);
    await expect.poll(async () => (JSON.parse(await worker.text("/state")) as { sockets: unknown[] }).sockets).toEqual([]);
  });
});

describe("an object without handlers", () => {
  it("takes messages and a Close without an error, and drops the socket", async () => {
    const worker = await useRoomWorker();
    const url = await serve(worker.mf);
    const client = await connect(`${url}/bare`);
    client.ws.send("anyone?");
    client.ws.close(1000, "bye");
    client.ws.terminate();
    await client.closed;
    expect(worker.log.lines.filter((line) => line.includes("Uncaught"))).toEqual([]);
  });
});
