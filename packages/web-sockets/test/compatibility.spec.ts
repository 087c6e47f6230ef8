import { describe, expect, it } from "vitest";
import type { WebSocket } from "@flarelet/web-sockets";
import { createWorker } from "./helpers.js";

/** A worker whose server end records each close event (with readyState in the listener) and binary message. */
const RECORDING_WORKER = `
export default {
  fetch(request, env) {
    const [client, server] = Object.values(new WebSocketPair());
    const url = new URL(request.url);
    server.accept(url.searchParams.has("halfOpen") ? { allowHalfOpen: true } : undefined);
    if (url.searchParams.has("arraybuffer")) server.binaryType = "arraybuffer";
    if (url.searchParams.has("bogus")) server.binaryType = "bogus";
    server.addEventListener("message", async (event) => {
      const data = event.data;
      env.record({
        kind: "message",
        binaryType: server.binaryType,
        isBlob: data instanceof Blob,
        isArrayBuffer: data instanceof ArrayBuffer,
        text: data instanceof Blob ? await data.text() : new TextDecoder().decode(data),
      });
    });
    server.addEventListener("close", (event) => {
      env.record({ kind: "close", code: event.code, readyState: server.readyState });
    });
    return new Response(null, { status: 101, webSocket: client });
  },
};
`;

async function openClient(mf: ReturnType<typeof createWorker>["mf"], query = ""): Promise<WebSocket> {
  const client = (await mf.dispatchFetch(`http://localhost/${query}`)).webSocket as WebSocket;
  client.accept();
  return client;
}

function closeEvents(socket: WebSocket): { code: number; reason: string }[] {
  const events: { code: number; reason: string }[] = [];
  socket.addEventListener("close", (event) => {
    const { code, reason } = event as unknown as { code: number; reason: string };
    events.push({ code, reason });
  });
  return events;
}

describe("web_socket_auto_reply_to_close (from 2026-04-07)", () => {
  it("before the date, a received close is not answered and readyState is CLOSING in the listener", async () => {
    const worker = createWorker(RECORDING_WORKER, { compatibilityDate: "2026-04-06" });
    const client = await openClient(worker.mf);
    const replies = closeEvents(client);
    client.close(3001, "bye");
    expect(await worker.waitForRecord((r) => r.kind === "close")).toEqual({ kind: "close", code: 3001, readyState: 2 });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(replies).toEqual([]);
  });

  it("from the date, it is answered with the same code and readyState is CLOSED in the listener", async () => {
    const worker = createWorker(RECORDING_WORKER, { compatibilityDate: "2026-04-07" });
    const client = await openClient(worker.mf);
    const replied = new Promise((resolve) => client.addEventListener("close", resolve));
    const replies = closeEvents(client);
    client.close(3001, "bye");
    expect(await worker.waitForRecord((r) => r.kind === "close")).toEqual({ kind: "close", code: 3001, readyState: 3 });
    await replied;
    expect(replies).toEqual([{ code: 3001, reason: "bye" }]);
  });

  it("is also turned on by its flag, and accept({ allowHalfOpen: true }) opts out", async () => {
    const worker = createWorker(RECORDING_WORKER, { compatibilityFlags: ["web_socket_auto_reply_to_close"] });
    const automatic = await openClient(worker.mf);
    const automaticReplies = closeEvents(automatic);
    const replied = new Promise((resolve) => automatic.addEventListener("close", resolve));
    automatic.close(1000);
    await replied;
    expect(automaticReplies).toEqual([{ code: 1000, reason: "" }]);

    const halfOpen = await openClient(worker.mf, "?halfOpen");
    const halfOpenReplies = closeEvents(halfOpen);
    halfOpen.close(4000, "half");
    expect(await worker.waitForRecord((r) => r.kind === "close" && r.code === 4000)).toEqual({ kind: "close", code: 4000, readyState: 2 });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(halfOpenReplies).toEqual([]);
  });
});

describe("websocket_standard_binary_type (from 2026-03-17)", () => {
  it.each([
    { date: undefined, query: "", binaryType: "arraybuffer", isBlob: false, isArrayBuffer: true },
    { date: "2026-03-16", query: "", binaryType: "arraybuffer", isBlob: false, isArrayBuffer: true },
    { date: "2026-03-17", query: "", binaryType: "blob", isBlob: true, isArrayBuffer: false },
    { date: "2026-03-17", query: "?arraybuffer", binaryType: "arraybuffer", isBlob: false, isArrayBuffer: true },
    { date: "2026-03-17", query: "?bogus", binaryType: "blob", isBlob: true, isArrayBuffer: false },
  ])("date $date $query → binary messages as $binaryType", async ({ date, query, binaryType, isBlob, isArrayBuffer }) => {
    const worker = createWorker(RECORDING_WORKER, date === undefined ? {} : { compatibilityDate: date });
    const client = await openClient(worker.mf, query);
    client.send(new TextEncoder().encode("bytes"));
    client.send("text stays text");
    expect(await worker.waitForRecord((r) => r.kind === "message")).toEqual({
      kind: "message",
      binaryType,
      isBlob,
      isArrayBuffer,
      text: "bytes",
    });
  });

  it("can be turned off after its date with its disable flag", async () => {
    const worker = createWorker(RECORDING_WORKER, {
      compatibilityDate: "2026-04-01",
      compatibilityFlags: ["no_websocket_standard_binary_type"],
    });
    const client = await openClient(worker.mf);
    client.send(new Uint8Array([104, 105]));
    expect(await worker.waitForRecord((r) => r.kind === "message")).toMatchObject({ binaryType: "arraybuffer", isArrayBuffer: true, text: "hi" });
  });
});
