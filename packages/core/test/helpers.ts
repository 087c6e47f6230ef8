/**
 * Test helpers shared by the spec files: temporary folders, a capturing `Log`, and `MiniflareCore`
 * instances that are always disposed. Each `use*` helper registers its own `afterEach` teardown, so call it
 * at the top of a `describe` block (or of the file).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach } from "vitest";
import { Log, LogLevel, MiniflareCore, NoOpLog, type MiniflareCoreOptions } from "@flarelet/core";
import { markedBlock, runNode, useTempDir as sharedUseTempDir, type NodeExit, type TempDir } from "@flarelet/test-utils";

/** A `Log` that keeps every line it is given, uncoloured. */
export interface CapturedLog {
  log: Log;
  lines: string[];
}

export function captureLog(level: LogLevel = LogLevel.DEBUG): CapturedLog {
  const lines: string[] = [];
  return { log: new Log(level, { write: (line) => lines.push(line), colour: false }), lines };
}

/** A fresh folder under the OS temp folder for each test, removed after it (`write` makes parent folders). */
export function useTempDir(): TempDir {
  return sharedUseTempDir("flarelet-core-test-");
}

/**
 * `MiniflareCore` instances created through `create()` are disposed after each test, whatever the test did.
 * `log` defaults to a `NoOpLog` so that tests print nothing.
 */
export function useCore(): { create(options: MiniflareCoreOptions): MiniflareCore } {
  const instances: MiniflareCore[] = [];
  afterEach(async () => {
    const disposing = instances.splice(0).map((mf) => mf.dispose().catch(() => {}));
    await Promise.all(disposing);
  });
  return {
    create(options: MiniflareCoreOptions): MiniflareCore {
      const mf = new MiniflareCore({ log: new NoOpLog(), ...options });
      instances.push(mf);
      return mf;
    },
  };
}

/** Resolves with what `promise` rejects with; fails if it fulfils. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject, but it fulfilled");
}

/** What a synchronous call throws; fails if it returns. */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to throw, but it returned");
}

/** Polls `condition` every 5 ms until it holds, failing after `timeout` ms. */
export async function waitFor(condition: () => boolean, timeout = 2_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeout} ms: ${condition.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A modules worker that answers each request with the JSON of what `body` (an async function body, with
 * `request`, `env` and `ctx` in scope) returns; `prelude` is module-level code before it. Checks that must
 * run inside the worker's realm are written this way.
 */
export function jsonWorker(body: string, prelude = ""): string {
  return `${prelude}\nexport default { async fetch(request, env, ctx) { return Response.json(await (async () => { ${body} })()); } };`;
}

/**
 * A local origin server on 127.0.0.1 (port 0) that answers every request with what it received, as JSON.
 * Closed after each test.
 */
export function useOrigin(): { readonly url: string; readonly requests: number } {
  let server: http.Server | undefined;
  let url = "";
  let requests = 0;
  beforeEach(async () => {
    requests = 0;
    server = http.createServer((req, res) => {
      requests++;
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        res.writeHead(203, { "content-type": "application/json", "x-origin": "yes" });
        res.end(JSON.stringify({
          method: req.method,
          path: req.url,
          body: Buffer.concat(chunks).toString(),
          forwarded: req.headers["x-flarelet-forwarded"] ?? null,
          custom: req.headers["x-custom"] ?? null,
        }));
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
    server = undefined;
  });
  return {
    get url() {
      return url;
    },
    get requests() {
      return requests;
    },
  };
}

/** packages/core/README.md */
export const README = path.join(path.dirname(fileURLToPath(import.meta.url)), "../README.md");

/** The first fenced code block after the `<!-- marker… -->` comment of README.md, without its fences. */
export async function readmeBlock(marker: string): Promise<string> {
  return markedBlock(await readFile(README, "utf8"), marker);
}

export { runNode };
export type { NodeExit };
