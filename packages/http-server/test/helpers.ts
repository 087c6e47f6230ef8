/**
 * Shared test helpers: a real server on 127.0.0.1, port 0, torn down after each test, and small promise
 * wrappers around real clients (ws, net.Socket). Nothing here waits on a timer: every wait is for an event.
 */
import { Log, LogLevel, MiniflareCore, type MiniflareCoreOptions, type Plugin } from "@flarelet/core";
import { webSocketsPlugin, type WebSocketsOptions } from "@flarelet/web-sockets";
import { EventEmitter, once } from "node:events";
import type { AddressInfo } from "node:net";
import net from "node:net";
import { client, closed, connect, ECHO_WORKER, messages, nextMessage, onCleanup, opened, refused, type Received } from "@flarelet/test-utils";
import { httpServerPlugin, startServer, type CreateServerOptions, type HttpServerOptions, type Server } from "../src/index.js";

export { client, closed, connect, ECHO_WORKER, messages, nextMessage, onCleanup, opened, refused };
export type { Received };

/** A `Log` that records every line (colour off) and lets a test wait for one. */
export class RecordingLog extends Log {
  readonly lines: string[];
  readonly #events: EventEmitter;

  constructor(options: { colour?: boolean } = {}) {
    const lines: string[] = [];
    const events = new EventEmitter();
    super(LogLevel.DEBUG, {
      colour: options.colour ?? false,
      write: (line) => {
        lines.push(line);
        events.emit("line", line);
      },
    });
    this.lines = lines;
    this.#events = events;
  }

  /** Resolves with the first line (already written or to come) that matches. */
  waitFor(pattern: RegExp | string): Promise<string> {
    const matches = (line: string) => (typeof pattern === "string" ? line.includes(pattern) : pattern.test(line));
    const found = this.lines.find(matches);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve) => {
      const onLine = (line: string) => {
        if (!matches(line)) return;
        this.#events.off("line", onLine);
        resolve(line);
      };
      this.#events.on("line", onLine);
    });
  }

  /** Lines logged at error level. */
  get errors(): string[] {
    return this.lines.filter((line) => line.startsWith("[flarelet:err]"));
  }

  get warnings(): string[] {
    return this.lines.filter((line) => line.startsWith("[flarelet:wrn]"));
  }
}

export interface TestServerOptions {
  /** Options for webSocketsPlugin(); false leaves the plugin out. */
  webSockets?: WebSocketsOptions | false;
  http?: HttpServerOptions;
  server?: CreateServerOptions;
  bindings?: Record<string, unknown>;
  compatibilityDate?: string;
  colour?: boolean;
  extraPlugins?: Plugin[];
  core?: Partial<MiniflareCoreOptions>;
}

export interface TestServer {
  mf: MiniflareCore;
  server: Server;
  log: RecordingLog;
  port: number;
  /** http://127.0.0.1:port */
  url: string;
  /** ws://127.0.0.1:port */
  wsUrl: string;
}

/** A modules-format worker served on 127.0.0.1:0; closed and disposed after the test. */
export async function useServer(script: string, options: TestServerOptions = {}): Promise<TestServer> {
  const log = new RecordingLog({ colour: options.colour });
  const plugins: Plugin[] = [];
  if (options.webSockets !== false) plugins.push(webSocketsPlugin(options.webSockets ?? {}));
  plugins.push(httpServerPlugin({ port: 0, ...options.http }), ...(options.extraPlugins ?? []));
  const mf = new MiniflareCore({
    modules: true,
    script,
    plugins,
    log,
    bindings: options.bindings,
    compatibilityDate: options.compatibilityDate,
    ...options.core,
  });
  onCleanup(() => mf.dispose());
  const server = await startServer(mf, options.server);
  onCleanup(() => closeServer(server));
  const { port } = server.address() as AddressInfo;
  const scheme = options.http?.https === undefined ? "" : "s";
  return { mf, server, log, port, url: `http${scheme}://127.0.0.1:${port}`, wsUrl: `ws${scheme}://127.0.0.1:${port}` };
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * Calls a worker makes through its `report` binding, so that a test can wait for what happened inside it:
 * `await reports.next("close")` resolves with the arguments of the next `env.report("close", …)`.
 */
export class Reports {
  readonly #seen: unknown[][] = [];
  readonly #events = new EventEmitter();

  readonly binding = (...args: unknown[]): void => {
    this.#seen.push(args);
    this.#events.emit("report", args);
  };

  /** The arguments (after the kind) of the first report of `kind` not yet taken. */
  next(kind: string): Promise<unknown[]> {
    const index = this.#seen.findIndex((args) => args[0] === kind);
    if (index !== -1) return Promise.resolve(this.#seen.splice(index, 1)[0]!.slice(1));
    return new Promise((resolve) => {
      const onReport = (args: unknown[]) => {
        if (args[0] !== kind) return;
        this.#events.off("report", onReport);
        this.#seen.splice(this.#seen.indexOf(args), 1);
        resolve(args.slice(1));
      };
      this.#events.on("report", onReport);
    });
  }
}

/** Writes raw bytes and collects everything the server sends until it closes the connection. */
export async function rawExchange(port: number, data: string | Buffer): Promise<string> {
  const socket = net.connect(port, "127.0.0.1");
  onCleanup(() => socket.destroy());
  const chunks: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  socket.on("error", () => {});
  await once(socket, "connect");
  socket.write(data);
  await once(socket, "close");
  return Buffer.concat(chunks).toString("latin1");
}

/** An open raw connection, for exchanges that keep it open. */
export async function rawSocket(port: number): Promise<net.Socket> {
  const socket = net.connect(port, "127.0.0.1");
  onCleanup(() => socket.destroy());
  socket.on("error", () => {});
  await once(socket, "connect");
  return socket;
}

/** Reads from `socket` until `text` has arrived; resolves with everything read so far. */
export function readUntil(socket: net.Socket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = "";
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString("latin1");
      if (!buffer.includes(text)) return;
      cleanup();
      resolve(buffer);
    };
    const onClose = () => {
      cleanup();
      reject(new Error(`connection closed before ${JSON.stringify(text)}; got ${JSON.stringify(buffer)}`));
    };
    const cleanup = () => {
      socket.off("data", onData);
      socket.off("close", onClose);
    };
    socket.on("data", onData);
    socket.on("close", onClose);
  });
}

/** A promise with its resolve function, for workers that must wait on the test. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A valid WebSocket handshake request, as raw text, with `extra` header lines. */
export function upgradeRequest(path: string, extra: string[] = [], options: { key?: string | null; version?: string | null; method?: string } = {}): string {
  const lines = [`${options.method ?? "GET"} ${path} HTTP/1.1`, "Host: 127.0.0.1", "Connection: Upgrade", "Upgrade: websocket"];
  if (options.key !== null) lines.push(`Sec-WebSocket-Key: ${options.key ?? "dGhlIHNhbXBsZSBub25jZQ=="}`);
  if (options.version !== null) lines.push(`Sec-WebSocket-Version: ${options.version ?? "13"}`);
  return `${[...lines, ...extra].join("\r\n")}\r\n\r\n`;
}

/** The seed page's echo worker, as the repository keeps it (examples/echo.mjs, served by `pnpm start`). */
