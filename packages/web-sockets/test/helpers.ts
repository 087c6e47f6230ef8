/**
 * Shared test helpers: a MiniflareCore with the web-sockets plugin, a capturing log, a minimal coupling
 * server (what @flarelet/http-server does, reduced to the WebSocket path) and real `ws` peers, all on
 * 127.0.0.1 and torn down after each test.
 */
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocket as WsClient, WebSocketServer } from "ws";
import { Log, LogLevel, MiniflareCore, type MiniflareCoreOptions } from "@flarelet/core";
import { closed, connect, ECHO_WORKER, nextMessage, onCleanup } from "@flarelet/test-utils";
import { assertCouplable, coupleWebSocket, webSocketsPlugin, type WebSocketsOptions, type WebSocketsPlugin } from "@flarelet/web-sockets";

export { closed as closeOf, connect as connectClient, ECHO_WORKER, nextMessage as messageOf, onCleanup };

export interface TestWorker {
  mf: MiniflareCore;
  /** The web-sockets plugin of `mf`. */
  plugin: WebSocketsPlugin;
  /** Log lines (no colour). */
  lines: string[];
  /** What the worker passed to `env.record(…)`, in order. */
  records: unknown[];
  /** Resolves with the first record matching `predicate` (including ones already recorded). */
  waitForRecord<T = Record<string, unknown>>(predicate: (record: T) => boolean): Promise<T>;
}

/** A modules worker with the web-sockets plugin and an `env.record(value)` binding to report from inside. */
export function createWorker(
  script: string,
  options: Omit<MiniflareCoreOptions, "script" | "modules" | "plugins" | "log"> & { webSockets?: WebSocketsOptions } = {},
): TestWorker {
  const { webSockets, ...coreOptions } = options;
  const lines: string[] = [];
  const records: unknown[] = [];
  const waiters: { predicate: (record: never) => boolean; resolve: (record: never) => void }[] = [];
  const record = (value: unknown) => {
    records.push(value);
    for (const waiter of [...waiters]) {
      if (waiter.predicate(value as never)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(value as never);
      }
    }
  };
  const plugin = webSocketsPlugin(webSockets);
  const mf = new MiniflareCore({
    ...coreOptions,
    modules: true,
    script,
    bindings: { ...coreOptions.bindings, record },
    plugins: [plugin],
    log: new Log(LogLevel.DEBUG, { write: (line) => lines.push(line), colour: false }),
  });
  onCleanup(() => mf.dispose());
  return {
    mf,
    plugin,
    lines,
    records,
    waitForRecord<T>(predicate: (record: T) => boolean): Promise<T> {
      const found = records.find((value) => predicate(value as T));
      if (found !== undefined) return Promise.resolve(found as T);
      return new Promise<T>((resolve) => waiters.push({ predicate: predicate as never, resolve: resolve as never }));
    },
  };
}

/**
 * Serves `mf` to WebSocket clients the way http-server does: dispatch the upgrade request, then complete
 * the handshake with ws and couple the returned end.
 */
export async function startCouplingServer(
  mf: MiniflareCore,
  maxPayload = 32 * 1024 * 1024,
): Promise<{ url: string; server: http.Server; wss: WebSocketServer }> {
  const server = http.createServer((_req, res) => res.writeHead(426).end());
  const wss = new WebSocketServer({ noServer: true, maxPayload, perMessageDeflate: false, handleProtocols: () => false });
  server.on("upgrade", (req, socket, head) => {
    void (async () => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
      const response = await mf.dispatchFetch(`http://${req.headers.host}${req.url}`, { headers });
      const webSocket = response.webSocket;
      if (response.status !== 101 || webSocket === null) {
        socket.end(`HTTP/1.1 ${response.status} Not Upgraded\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      assertCouplable(webSocket);
      wss.handleUpgrade(req, socket, head, (ws) => coupleWebSocket(ws, webSocket, { label: `test ${req.url}` }));
    })().catch((error: unknown) => {
      mf.log.error(error);
      socket.end("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  onCleanup(async () => {
    for (const client of wss.clients) client.terminate();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `ws://127.0.0.1:${port}`, server, wss };
}

/** A real `ws` server on 127.0.0.1, for the worker to connect to as a client. */
export async function startUpstream(
  onConnection: (ws: WsClient, request: http.IncomingMessage) => void,
  options: ConstructorParameters<typeof WebSocketServer>[0] = {},
): Promise<{ url: string; httpUrl: string; wss: WebSocketServer }> {
  const wss = new WebSocketServer({ ...options, port: 0, host: "127.0.0.1" });
  wss.on("connection", onConnection);
  await once(wss, "listening");
  onCleanup(async () => {
    for (const client of wss.clients) client.terminate();
    await new Promise((resolve) => wss.close(resolve));
  });
  const { port } = wss.address() as AddressInfo;
  return { url: `ws://127.0.0.1:${port}`, httpUrl: `http://127.0.0.1:${port}`, wss };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
