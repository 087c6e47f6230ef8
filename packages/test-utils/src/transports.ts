/**
 * `describeTransports()`: one WebSocket scenario, written once against a small client interface, run over
 * every way a client reaches a worker's socket:
 *
 *     in-process          test ──dispatchFetch──► worker          (the host's end of the worker's pair)
 *     HTTP server + ws    test ──ws client──► http-server ──coupling──► worker
 *     outgoing fetch()    test ──pair──► relay worker ──fetch(Upgrade)──► http-server ──► worker
 *     new WebSocket()     test ──pair──► relay worker ──new WebSocket()──► http-server ──► worker
 *
 * The relay is a second worker that forwards messages and closes between its pair and its outgoing socket,
 * so the last two exercise the worker-side client sockets. The harness that makes workers and serves them
 * comes from the caller (http-server's tests), so that this package depends on no flarelet package.
 */
import { describe } from "vitest";
import { client, closed, nextMessage, opened, type Closed } from "./ws-client.js";

/** A worker made by the harness: a modules worker with the web-sockets plugin, disposed after the test. */
export interface TransportWorker {
  dispatchFetch(url: string, init?: { headers?: Record<string, string> }): Promise<{ status: number; webSocket: unknown }>;
  /** Its log lines, uncoloured. */
  readonly lines: readonly string[];
  /** Resolves with the first value the worker passed to `env.record(…)` that matches. */
  waitForRecord(predicate: (record: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

export interface TransportHarness {
  worker(script: string, options?: { compatibilityDate?: string }): TransportWorker;
  /** Serves `worker` over HTTP on 127.0.0.1, port 0; resolves to its `http://` origin. */
  serve(worker: TransportWorker): Promise<string>;
}

/** A message as the test's end received it: text as a string, binary as bytes. */
export interface SocketMessage {
  data: string | Uint8Array;
  binary: boolean;
}

/** The test's end of a connection, whatever the transport. */
export interface TestSocket {
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  /** Drops the connection without a Close frame: only network transports can (`transport.network`). */
  terminate(): void;
  next(): Promise<SocketMessage>;
  /** The Close the test's end received. */
  readonly closed: Promise<Closed>;
}

export interface Transport {
  readonly name: string;
  /** The test's end is a network socket (it can vanish: `terminate()`). */
  readonly network: boolean;
  /** The worker's socket talks to a relay worker rather than to the test directly. */
  readonly relayed: boolean;
  /** Opens a connection to `worker` at `path` (e.g. "/?reply"). */
  connect(worker: TransportWorker, path?: string): Promise<TestSocket>;
}

/** Runs `suite` once per transport, each in a `describe` named after it. */
export function describeTransports(title: string, harness: TransportHarness, suite: (transport: Transport) => void): void {
  describe(title, () => {
    for (const transport of transports(harness)) describe(transport.name, () => suite(transport));
  });
}

export function transports(harness: TransportHarness): Transport[] {
  const served = new WeakMap<TransportWorker, Promise<string>>();
  const origin = (worker: TransportWorker) => {
    let url = served.get(worker);
    if (url === undefined) served.set(worker, (url = harness.serve(worker)));
    return url;
  };
  const relayed = (mode: "fetch" | "new-websocket"): Transport["connect"] => async (worker, path = "/") => {
    const relay = harness.worker(RELAY_WORKER);
    return pairEnd(relay, `http://relay${path}`, { "x-target": `${await origin(worker)}${path}`, "x-mode": mode });
  };
  return [
    { name: "in-process (dispatchFetch + WebSocketPair)", network: false, relayed: false, connect: (worker, path = "/") => pairEnd(worker, `http://localhost${path}`) },
    {
      name: "HTTP server + ws client",
      network: true,
      relayed: false,
      async connect(worker, path = "/") {
        const ws = await opened(client(`${(await origin(worker)).replace(/^http/, "ws")}${path}`));
        return {
          send: (data) => ws.send(data),
          close: (code, reason) => ws.close(code, reason),
          terminate: () => ws.terminate(),
          next: async () => {
            const { data, isBinary } = await nextMessage(ws);
            return { data: typeof data === "string" ? data : new Uint8Array(data), binary: isBinary };
          },
          closed: closed(ws),
        };
      },
    },
    { name: "outgoing fetch() with Upgrade: websocket", network: false, relayed: true, connect: relayed("fetch") },
    { name: "outgoing new WebSocket()", network: false, relayed: true, connect: relayed("new-websocket") },
  ];
}

/** The minimum of a Workers WebSocket the host's end needs. */
interface PairEnd {
  accept(): void;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: Event & { data?: unknown; code?: number; reason?: string }) => void): void;
}

async function pairEnd(worker: TransportWorker, url: string, headers?: Record<string, string>): Promise<TestSocket> {
  const response = await worker.dispatchFetch(url, headers === undefined ? undefined : { headers });
  if (response.status !== 101 || response.webSocket === null) throw new Error(`expected a 101 with a webSocket, got ${response.status}`);
  const end = response.webSocket as PairEnd;
  const queue: SocketMessage[] = [];
  const waiting: ((message: SocketMessage) => void)[] = [];
  end.addEventListener("message", (event) => {
    const { data } = event;
    const message = typeof data === "string" ? { data, binary: false } : { data: new Uint8Array(data as ArrayBuffer), binary: true };
    const waiter = waiting.shift();
    if (waiter === undefined) queue.push(message);
    else waiter(message);
  });
  const closedEnd = new Promise<Closed>((resolve) =>
    end.addEventListener("close", (event) => resolve({ code: event.code ?? 0, reason: event.reason ?? "" })),
  );
  end.accept();
  return {
    send: (data) => end.send(data),
    close: (code, reason) => end.close(code, reason),
    terminate: () => {
      throw new Error("an in-process end cannot vanish: use a network transport");
    },
    next: () => {
      const message = queue.shift();
      return message === undefined ? new Promise((resolve) => waiting.push(resolve)) : Promise.resolve(message);
    },
    closed: closedEnd,
  };
}

/**
 * Connects to `x-target` with `fetch()` or `new WebSocket()` (`x-mode`) and relays between that socket and
 * the pair end it returns: messages both ways, and each side's Close to the other (1005 and 1006, which
 * `close()` cannot send, as a Close without a code). Each side's Close is answered once.
 */
const RELAY_WORKER = `
export default {
  async fetch(request) {
    const target = request.headers.get("x-target");
    let upstream;
    if (request.headers.get("x-mode") === "fetch") {
      const response = await fetch(target, { headers: { Upgrade: "websocket" } });
      upstream = response.webSocket;
      upstream.accept();
    } else {
      upstream = new WebSocket(target.replace(/^http/, "ws"));
      await new Promise((resolve, reject) => {
        upstream.addEventListener("open", resolve);
        upstream.addEventListener("error", (event) => reject(new Error(event.message)));
      });
    }
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    const closed = new Set();
    const closeOnce = (socket, code, reason) => {
      if (closed.has(socket)) return;
      closed.add(socket);
      if (code === 1005 || code === 1006) socket.close();
      else socket.close(code, reason);
    };
    upstream.addEventListener("message", (event) => server.send(event.data));
    server.addEventListener("message", (event) => upstream.send(event.data));
    for (const [from, to] of [[upstream, server], [server, upstream]]) {
      from.addEventListener("close", (event) => {
        closeOnce(to, event.code, event.reason);
        closeOnce(from, event.code, event.reason);
      });
    }
    return new Response(null, { status: 101, webSocket: client });
  },
};
`;
