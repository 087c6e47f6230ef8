/**
 * Frames a server sends together with its handshake (a welcome message, an immediate Close) reach a worker's
 * outgoing socket, from `new WebSocket()` and from an upgrading `fetch()` (issue 10: they were lost to a
 * race between the handshake's promise and the frames parsed right after it). Real `ws` server on 127.0.0.1.
 */
import { describe, expect, it } from "vitest";
import { createWorker, startUpstream } from "./helpers.js";

async function upstreams() {
  const welcome = await startUpstream((ws) => {
    ws.send("welcome");
    ws.on("message", (data) => ws.send(`echo:${data.toString()}`));
  });
  const closing = await startUpstream((ws) => ws.close(4001, "bye"));
  return { WELCOME: welcome.url, CLOSING: closing.url };
}

describe("frames sent with the handshake", () => {
  it("arrive at a new WebSocket(): the welcome message, then the echo; an immediate close(4001)", async () => {
    const worker = createWorker(`
      export default {
        async fetch(request, env) {
          const events = [];
          const ws = new WebSocket(env.WELCOME);
          await new Promise((resolve) => {
            ws.addEventListener("open", () => { events.push("open"); ws.send("ping"); });
            ws.addEventListener("message", (e) => { events.push(e.data); if (events.length === 3) resolve(); });
          });
          ws.close(1000);
          const closing = new WebSocket(env.CLOSING);
          const close = await new Promise((resolve) => closing.addEventListener("close", (e) => resolve([e.code, e.reason, e.wasClean])));
          return Response.json({ events, close });
        },
      };
    `, { bindings: await upstreams() });
    expect(await (await worker.mf.dispatchFetch()).json()).toEqual({
      events: ["open", "welcome", "echo:ping"],
      close: [4001, "bye", true],
    });
  });

  it("arrive at a fetch() WebSocket once accepted", async () => {
    const worker = createWorker(`
      export default {
        async fetch(request, env) {
          const welcome = (await fetch(env.WELCOME.replace("ws", "http"), { headers: { Upgrade: "websocket" } })).webSocket;
          const messages = [];
          const done = new Promise((resolve) => welcome.addEventListener("message", (e) => { messages.push(e.data); if (messages.length === 2) resolve(); }));
          welcome.accept();
          welcome.send("ping");
          await done;
          welcome.close(1000);
          const closing = (await fetch(env.CLOSING.replace("ws", "http"), { headers: { Upgrade: "websocket" } })).webSocket;
          const close = new Promise((resolve) => closing.addEventListener("close", (e) => resolve([e.code, e.reason, e.wasClean])));
          closing.accept();
          return Response.json({ messages, close: await close });
        },
      };
    `, { bindings: await upstreams() });
    expect(await (await worker.mf.dispatchFetch()).json()).toEqual({ messages: ["welcome", "echo:ping"], close: [4001, "bye", true] });
  });
});
