/**
 * The origin server that outbound cases fetch from: on 127.0.0.1, port 0, started by each runtime's driver
 * (never the internet). Workers get its origin as the binding `UPSTREAM` and a port where nothing listens
 * as `REFUSED`. Routes:
 *
 *     /echo…            200, JSON of what arrived: method, url, raw header pairs (lower-cased names), body
 *     /status/N         status N; ?location=… sets Location, ?body=… the body
 *     /headers?k=v…     200 with the query's pairs as response headers (repeatable)
 *     /wrong-length     a raw response whose Content-Length (10) is longer than its body ("short")
 *     /hop              a response carrying hop-by-hop headers (Connection, Keep-Alive, Upgrade…)
 *     /close-early      a raw response cut after its headers (the connection ends mid-body)
 *     /gzip             a gzip-encoded body with Content-Encoding: gzip
 *     /ws/echo          WebSocket: echoes every message
 *     /ws/welcome       WebSocket: sends "welcome" at once, then echoes
 *     /ws/close-4001    WebSocket: closes with 4001 "bye" at once
 *     /ws/protocol      WebSocket: picks the first offered subprotocol, sends the request's headers
 */
import http from "node:http";
import net from "node:net";
import { gzipSync } from "node:zlib";
import { WebSocketServer } from "ws";

export async function startUpstream() {
  const server = http.createServer(handle);
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => [...protocols][0] ?? false,
  });
  server.on("upgrade", (request, socket, head) => {
    wss.handleUpgrade(request, socket, head, (ws) => onWebSocket(ws, request));
  });
  await listen(server);
  const refused = await unusedPort();
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    refused: `http://127.0.0.1:${refused}`,
    async close() {
      for (const client of wss.clients) client.terminate();
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function handle(request, response) {
  const url = new URL(request.url, "http://upstream");
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    if (url.pathname.startsWith("/echo")) {
      const headers = [];
      for (let i = 0; i < request.rawHeaders.length; i += 2) {
        headers.push([request.rawHeaders[i].toLowerCase(), request.rawHeaders[i + 1]]);
      }
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ method: request.method, url: request.url, headers, body }));
    } else if (url.pathname.startsWith("/status/")) {
      const status = Number(url.pathname.slice("/status/".length));
      const location = url.searchParams.get("location");
      if (location !== null) response.setHeader("location", location);
      response.writeHead(status);
      response.end(url.searchParams.get("body") ?? "");
    } else if (url.pathname === "/headers") {
      for (const [name, value] of url.searchParams) response.appendHeader(name, value);
      response.end("headers");
    } else if (url.pathname === "/wrong-length") {
      request.socket.end("HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\nshort");
    } else if (url.pathname === "/close-early") {
      request.socket.end("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
    } else if (url.pathname === "/hop") {
      request.socket.end(
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close, X-Custom\r\nKeep-Alive: timeout=5\r\n" +
          "X-Custom: hop\r\nProxy-Connection: keep-alive\r\nX-End: kept\r\n\r\nhop",
      );
    } else if (url.pathname === "/gzip") {
      const compressed = gzipSync("hello gzip");
      response.writeHead(200, { "content-encoding": "gzip", "content-length": compressed.length });
      response.end(compressed);
    } else {
      response.writeHead(404);
      response.end("not found");
    }
  });
}

function onWebSocket(ws, request) {
  const path = new URL(request.url, "http://upstream").pathname;
  ws.on("error", () => {});
  if (path === "/ws/close-4001") {
    ws.close(4001, "bye");
    return;
  }
  if (path === "/ws/welcome") ws.send("welcome");
  if (path === "/ws/protocol") {
    ws.send(JSON.stringify({ protocol: ws.protocol, headers: Object.keys(request.headers).sort() }));
  }
  ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
}

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
}

/** A port nothing listens on: bound, then released. */
async function unusedPort() {
  const probe = net.createServer();
  await listen(probe);
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
