import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { closedPort, createWorker, onCleanup, startUpstream } from "./helpers.js";

/** An HTTP server on 127.0.0.1 that refuses WebSocket upgrades with 403 and a body. */
async function startRefusingServer(): Promise<string> {
  const server = http.createServer((_req, res) => res.end("plain"));
  server.on("upgrade", (_req, socket) => {
    socket.end("HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nX-Reason: nope\r\nContent-Length: 9\r\n\r\nno access");
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("fetch() with Upgrade: websocket", () => {
  it("returns res.webSocket on 101, forwarding headers and protocols, keeping Set-Cookie, both directions working", async () => {
    let seen: { header: string | undefined; protocols: string[] | undefined; method: string | undefined } | undefined;
    const upstream = await startUpstream(
      (ws, request) => {
        const protocols = request.headers["sec-websocket-protocol"]?.split(",").map((protocol) => protocol.trim());
        seen = { header: request.headers["x-custom"] as string, protocols, method: request.method };
        ws.on("message", (data) => ws.send(`upstream:${data.toString()}`));
      },
      { handleProtocols: (protocols) => (protocols.has("v2") ? "v2" : false) },
    );
    upstream.wss.on("headers", (headers) => headers.push("Set-Cookie: a=1", "Set-Cookie: b=2"));
    const worker = createWorker(`
      export default {
        async fetch(request, env) {
          const res = await fetch(env.UPSTREAM, {
            method: "POST",
            headers: { Upgrade: "websocket", "X-Custom": "yes", "Sec-WebSocket-Protocol": "v1, v2" },
          });
          const webSocket = res.webSocket;
          webSocket.accept();
          webSocket.addEventListener("message", (event) => env.record({ data: event.data }));
          webSocket.send("Hello!");
          return Response.json({
            status: res.status,
            isWebSocket: webSocket instanceof WebSocket,
            cookies: res.headers.getSetCookie(),
            protocol: res.headers.get("sec-websocket-protocol"),
          });
        },
      };
    `, { bindings: { UPSTREAM: upstream.httpUrl } });
    const response = await worker.mf.dispatchFetch();
    expect(await response.json()).toEqual({ status: 101, isWebSocket: true, cookies: ["a=1", "b=2"], protocol: "v2" });
    expect(await worker.waitForRecord(() => true)).toEqual({ data: "upstream:Hello!" });
    // The header was split into protocols (miniflare#106), and the handshake is a GET whatever the method.
    expect(seen).toEqual({ header: "yes", protocols: ["v1", "v2"], method: "GET" });
  });

  it("returns an upstream's non-101 answer as a normal Response with its status and body", async () => {
    const url = await startRefusingServer();
    const { mf } = createWorker(`
      export default {
        async fetch(request, env) {
          const res = await fetch(env.URL, { headers: { Upgrade: "websocket" } });
          return Response.json({ status: res.status, webSocket: res.webSocket, reason: res.headers.get("x-reason"), body: await res.text() });
        },
      };
    `, { bindings: { URL: url } });
    expect(await (await mf.dispatchFetch()).json()).toEqual({ status: 403, webSocket: null, reason: "nope", body: "no access" });
  });

  it("rejects with workerd's catchable Error when the connection fails", async () => {
    const port = await closedPort();
    const { mf } = createWorker(`
      export default {
        async fetch(request, env) {
          try {
            await fetch(env.URL, { headers: { Upgrade: "websocket" } });
            return new Response("no error");
          } catch (error) {
            return new Response(error.constructor.name + ":" + error.message);
          }
        },
      };
    `, { bindings: { URL: `http://127.0.0.1:${port}/` } });
    expect(await (await mf.dispatchFetch()).text()).toBe("Error:Network connection lost.");
  });

  it("refuses ws:// URLs from 2021-11-10 and rewrites them to http:// with a warning before", async () => {
    const upstream = await startUpstream((ws) => ws.close(1000));
    const wsUrl = upstream.url.replace("http", "ws") + "/";
    const script = `
      export default {
        async fetch(request, env) {
          try {
            const res = await fetch(env.URL, { headers: { Upgrade: "websocket" } });
            res.webSocket.accept();
            return new Response("status " + res.status);
          } catch (error) {
            return new Response(error.constructor.name + ": " + error.message);
          }
        },
      };
    `;
    const modern = createWorker(script, { bindings: { URL: wsUrl }, compatibilityDate: "2021-11-10" });
    expect(await (await modern.mf.dispatchFetch()).text()).toBe(`TypeError: Fetch API cannot load: ${wsUrl}`);

    const legacy = createWorker(script, { bindings: { URL: wsUrl } });
    expect(await (await legacy.mf.dispatchFetch()).text()).toBe("status 101");
    expect(legacy.lines.some((line) => line.includes("fetch() treats WebSockets as a special kind of HTTP request"))).toBe(true);
  });

  it("still fetches ordinary requests (it overrides core's fetch)", async () => {
    const server = http.createServer((req, res) => res.end(`hello ${req.method}`));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { mf } = createWorker(`export default { async fetch(request, env) { return fetch(env.URL, { method: "PUT" }); } };`, {
      bindings: { URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` },
    });
    expect(await (await mf.dispatchFetch()).text()).toBe("hello PUT");
  });
});

describe("new WebSocket(url, protocols) inside a worker", () => {
  it("opens, exchanges messages, closes, and knows its url and protocol", async () => {
    const upstream = await startUpstream(
      (ws) => {
        ws.on("message", (data) => (data.toString() === "bye" ? ws.close(4321, "upstream bye") : ws.send(`got ${data.toString()}`)));
      },
      { handleProtocols: (protocols) => (protocols.has("two") ? "two" : false) },
    );
    const worker = createWorker(`
      export default {
        fetch(request, env) {
          const ws = new WebSocket(env.URL, ["one", "two"]);
          const events = [];
          env.record({ kind: "constructed", readyState: ws.readyState, url: ws.url, protocol: ws.protocol });
          try { ws.accept(); } catch (e) { events.push("accept: " + e.message); }
          try { ws.send("too early"); } catch (e) { events.push("send: " + e.message); }
          ws.addEventListener("open", () => {
            events.push("open");
            env.record({ kind: "open", readyState: ws.readyState, protocol: ws.protocol, extensions: ws.extensions });
            ws.send("hi");
          });
          ws.addEventListener("message", (event) => { events.push("message: " + event.data); ws.send("bye"); });
          ws.addEventListener("close", (event) => {
            events.push("close: " + event.code + " " + event.reason + " " + event.wasClean);
            env.record({ kind: "done", events });
          });
          return new Response("started");
        },
      };
    `, { bindings: { URL: upstream.url + "/path" } });
    expect(await (await worker.mf.dispatchFetch()).text()).toBe("started");
    expect(await worker.waitForRecord((r) => r.kind === "constructed")).toEqual({
      kind: "constructed",
      readyState: 0,
      url: upstream.url + "/path",
      protocol: "",
    });
    expect(await worker.waitForRecord((r) => r.kind === "open")).toEqual({ kind: "open", readyState: 1, protocol: "two", extensions: null });
    expect(await worker.waitForRecord((r) => r.kind === "done")).toEqual({
      kind: "done",
      events: [
        "accept: Websockets obtained from the 'new WebSocket()' constructor cannot call accept",
        "send: You must call one of accept() or state.acceptWebSocket() on this WebSocket before sending messages.",
        "open",
        "message: got hi",
        "close: 4321 upstream bye true",
      ],
    });
  });

  it("reports a failed connection once as error, then close 1006", async () => {
    const port = await closedPort();
    const worker = createWorker(`
      export default {
        fetch(request, env) {
          const ws = new WebSocket("ws://127.0.0.1:" + env.PORT + "/");
          const events = [];
          ws.addEventListener("error", (event) => events.push("error"));
          ws.addEventListener("close", (event) => {
            events.push("close " + event.code + " " + event.reason + " " + event.wasClean);
            setTimeout(() => env.record({ events, readyState: ws.readyState }), 20);
          });
          return new Response("started");
        },
      };
    `, { bindings: { PORT: port } });
    await worker.mf.dispatchFetch();
    expect(await worker.waitForRecord(() => true)).toEqual({
      events: ["error", "close 1006 Failed to establish websocket connection false"],
      readyState: 3,
    });
  });

  it("reports a non-101 answer with the runtime's message", async () => {
    const url = (await startRefusingServer()).replace("http", "ws");
    const worker = createWorker(`
      export default {
        fetch(request, env) {
          const ws = new WebSocket(env.URL);
          ws.addEventListener("error", (event) => env.record({ kind: "error", message: event.message, error: event.error?.message }));
          ws.addEventListener("close", (event) => env.record({ kind: "close", code: event.code }));
          return new Response("started");
        },
      };
    `, { bindings: { URL: url } });
    await worker.mf.dispatchFetch();
    const message =
      "Failed to establish the WebSocket connection: expected server to reply with HTTP status code 101 (switching protocols), but received 403 instead.";
    expect(await worker.waitForRecord((r) => r.kind === "error")).toEqual({ kind: "error", message: `Uncaught TypeError: ${message}`, error: message });
    expect(await worker.waitForRecord((r) => r.kind === "close")).toEqual({ kind: "close", code: 1006 });
  });

  it("throws the runtime's SyntaxErrors for bad URLs and protocols", async () => {
    const { mf } = createWorker(`
      export default {
        fetch() {
          const attempt = (...args) => { try { new WebSocket(...args); return "ok"; } catch (e) { return (e instanceof DOMException) + " " + e.name + ": " + e.message; } };
          return Response.json([attempt("nope"), attempt("http://example.com"), attempt("ws://example.com/#x"), attempt("ws://example.com", "a b"), attempt("ws://example.com", ["a", "a"])]);
        },
      };
    `);
    expect(await (await mf.dispatchFetch()).json()).toEqual([
      "true SyntaxError: WebSocket Constructor: The url is invalid.",
      "true SyntaxError: WebSocket Constructor: The url scheme must be ws or wss.",
      "true SyntaxError: WebSocket Constructor: The url fragment must be empty.",
      "true SyntaxError: WebSocket Constructor: The protocol header token is invalid.",
      "true SyntaxError: WebSocket Constructor: The protocols header cannot have repeating values.",
    ]);
  });

  it("close() before the connection opens cancels it: error, then close 1006", async () => {
    const upstream = await startUpstream(() => {});
    const worker = createWorker(`
      export default {
        fetch(request, env) {
          const ws = new WebSocket(env.URL);
          const events = [];
          ws.addEventListener("open", () => events.push("open"));
          ws.addEventListener("error", () => events.push("error"));
          ws.addEventListener("close", (event) => { events.push("close " + event.code); env.record(events); });
          ws.close();
          return new Response("closed early");
        },
      };
    `, { bindings: { URL: upstream.url } });
    await worker.mf.dispatchFetch();
    expect(await worker.waitForRecord(() => true)).toEqual(["error", "close 1006"]);
  });
});
