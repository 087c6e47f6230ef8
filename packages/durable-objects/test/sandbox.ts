/**
 * Workers with Durable Objects in the real sandbox (MiniflareCore with the web-sockets, http-server and
 * durable-objects plugins), served on 127.0.0.1:0 when asked, disposed after each test.
 */
import { Log, LogLevel, MiniflareCore, type MiniflareCoreOptions } from "@flarelet/core";
import { httpServerPlugin, startServer } from "@flarelet/http-server";
import { webSocketsPlugin, type WebSocketsOptions } from "@flarelet/web-sockets";
import type { AddressInfo } from "node:net";
import { afterEach } from "vitest";
import WebSocket from "ws";
import { durableObjectsPlugin, type DurableObjectsOptions, type DurableObjectsPlugin } from "../src/index.js";

const cleanups: (() => unknown)[] = [];

export function onCleanup(fn: () => unknown): void {
  cleanups.push(fn);
}

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      await cleanup();
    } catch {
      // already closed
    }
  }
});

export class RecordingLog extends Log {
  readonly lines: string[] = [];
  #waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];

  constructor() {
    super(LogLevel.DEBUG, {
      colour: false,
      write: (line) => {
        this.lines.push(line);
        for (const waiter of [...this.#waiters]) {
          if (waiter.pattern.test(line)) {
            this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
            waiter.resolve(line);
          }
        }
      },
    });
  }

  waitFor(pattern: RegExp): Promise<string> {
    const found = this.lines.find((line) => pattern.test(line));
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve) => this.#waiters.push({ pattern, resolve }));
  }
}

export interface TestWorker {
  mf: MiniflareCore;
  plugin: DurableObjectsPlugin;
  log: RecordingLog;
  /** GET (or `init`) `path` through dispatchFetch; the response body as text. */
  text(path: string, init?: RequestInit): Promise<string>;
}

export async function useWorker(
  script: string,
  durableObjects: DurableObjectsOptions,
  core: Partial<MiniflareCoreOptions> = {},
  webSockets: WebSocketsOptions = {},
): Promise<TestWorker> {
  const log = new RecordingLog();
  const plugin = durableObjectsPlugin(durableObjects);
  const mf = new MiniflareCore({
    modules: true,
    script,
    compatibilityDate: "2025-09-01",
    log,
    plugins: [webSocketsPlugin(webSockets), httpServerPlugin({ port: 0 }), plugin],
    ...core,
  });
  onCleanup(() => mf.dispose());
  const text = async (path: string, init?: RequestInit) => {
    const response = await mf.dispatchFetch(`http://localhost${path}`, init as never);
    return await response.text();
  };
  await mf.getGlobalScope();
  return { mf, plugin, log, text };
}

/** Serves `mf` on 127.0.0.1:0; its ws:// base URL. */
export async function serve(mf: MiniflareCore): Promise<string> {
  const server = await startServer(mf);
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A connected `ws` client whose messages and close are recorded from the start. */
export async function connect(url: string): Promise<{ ws: WebSocket; next(): Promise<string>; closed: Promise<{ code: number; reason: string }> }> {
  const ws = new WebSocket(url);
  ws.on("error", () => {});
  onCleanup(() => ws.terminate());
  const queue: string[] = [];
  const waiting: ((message: string) => void)[] = [];
  ws.on("message", (data) => {
    const message = String(data);
    const waiter = waiting.shift();
    if (waiter === undefined) queue.push(message);
    else waiter(message);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once("close", (code, reason) => resolve({ code, reason: String(reason) })),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("unexpected-response", (_, response) => reject(new Error(`status ${response.statusCode}`)));
  });
  return {
    ws,
    next: () => (queue.length > 0 ? Promise.resolve(queue.shift()!) : new Promise((resolve) => waiting.push(resolve))),
    closed,
  };
}
