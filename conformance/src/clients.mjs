/**
 * What a `client` function gets: ways to talk to the runtime's own server as an outside program would.
 *
 *     async client({ http, webSocket, sleep, origin }) {
 *       const res = await http("/path", { method, headers, body });   // { status, statusText, headers, body }
 *       const ws = await webSocket("/path", { protocols, headers });   // a recorded `ws` client
 *       ws.send("hi"); await ws.next("message"); ws.close(1000); await ws.closed;
 *       return { status: res.status, events: ws.events };
 *     }
 *
 * `http` uses node:http with no agent, so each request is one connection; `headers` come back as raw pairs
 * with lower-cased names (`date`, `connection` and `keep-alive` left out). `webSocket` resolves once the handshake is done or
 * failed; `events` records `open`, `message` (text, or `{ binary: hex }`), `close` ({ code, reason }),
 * `error` and `unexpected-response` ({ status }). Every wait gives up after a few seconds.
 */
import http from "node:http";
import WebSocket from "ws";

const WAIT_MS = 3000;
/**
 * Response headers left out of `http()` results: `date` changes, and `connection`/`keep-alive` answer this
 * client's own `Connection: close` (Node's server echoes it, workerd's does not say it).
 */
const SKIPPED_HEADERS = new Set(["date", "connection", "keep-alive"]);

export function clientContext(origin) {
  return {
    origin,
    http: (path, init) => httpRequest(origin, path, init),
    webSocket: (path, init) => openWebSocket(origin, path, init),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}

function httpRequest(origin, path, { method = "GET", headers = {}, body } = {}) {
  return new Promise((resolve) => {
    const request = http.request(new URL(path, origin), { method, headers, agent: false }, (response) => {
      const chunks = [];
      response.on("data", (chunk) => chunks.push(chunk));
      const finish = (cut) => {
        const pairs = [];
        for (let i = 0; i < response.rawHeaders.length; i += 2) {
          const name = response.rawHeaders[i].toLowerCase();
          if (!SKIPPED_HEADERS.has(name)) pairs.push([name, response.rawHeaders[i + 1]]);
        }
        resolve({
          status: response.statusCode,
          statusText: response.statusMessage,
          headers: pairs,
          body: Buffer.concat(chunks).toString("utf8"),
          ...(cut ? { cut: true } : {}),
        });
      };
      response.on("end", () => finish(false));
      response.on("error", () => finish(true));
      response.on("aborted", () => finish(true));
    });
    request.setTimeout(WAIT_MS, () => {
      request.destroy();
      resolve({ timeout: true });
    });
    request.on("error", (error) => resolve({ requestError: error.code ?? error.message }));
    request.end(body);
  });
}

function openWebSocket(origin, path, { protocols, headers } = {}) {
  const url = new URL(path, origin.replace(/^http/, "ws"));
  const socket = new WebSocket(url, protocols, { headers });
  const events = [];
  const waiters = [];
  const record = (event) => {
    events.push(event);
    for (const waiter of [...waiters]) waiter(event);
  };
  const session = {
    events,
    get protocol() {
      return socket.protocol;
    },
    send: (data) => socket.send(data),
    close: (code, reason) => socket.close(code, reason),
    terminate: () => socket.terminate(),
    /** The next event of `type` (any type if omitted) not yet taken, or `{ type: "timeout" }`. */
    next(type) {
      const taken = (session.taken ??= new Set());
      const found = events.find((event) => !taken.has(event) && (type === undefined || event.type === type));
      if (found !== undefined) {
        taken.add(found);
        return Promise.resolve(found);
      }
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          resolve({ type: "timeout", waitingFor: type ?? "any" });
        }, WAIT_MS);
        const waiter = (event) => {
          if (taken.has(event) || (type !== undefined && event.type !== type)) return;
          taken.add(event);
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(waiter), 1);
          resolve(event);
        };
        waiters.push(waiter);
      });
    },
    /** Resolves with the close event, or `{ type: "timeout" }` (and then drops the connection). */
    get closed() {
      const existing = events.find((event) => event.type === "close");
      if (existing !== undefined) return Promise.resolve(existing);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          socket.terminate();
          resolve({ type: "timeout", waitingFor: "close" });
        }, WAIT_MS);
        waiters.push((event) => {
          if (event.type !== "close") return;
          clearTimeout(timer);
          resolve(event);
        });
      });
    },
  };
  socket.on("message", (data, isBinary) => {
    record(isBinary ? { type: "message", binary: Buffer.from(data).toString("hex") } : { type: "message", data: String(data) });
  });
  socket.on("close", (code, reason) => record({ type: "close", code, reason: String(reason) }));
  socket.on("error", (error) => record({ type: "error", message: error.message }));
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.terminate();
      record({ type: "timeout", waitingFor: "open" });
      resolve(session);
    }, WAIT_MS);
    socket.on("open", () => {
      clearTimeout(timer);
      record({ type: "open", protocol: socket.protocol });
      resolve(session);
    });
    socket.on("unexpected-response", (_request, response) => {
      clearTimeout(timer);
      record({ type: "unexpected-response", status: response.statusCode });
      response.resume();
      socket.terminate();
      resolve(session);
    });
    socket.on("error", () => {
      clearTimeout(timer);
      resolve(session);
    });
  });
}
