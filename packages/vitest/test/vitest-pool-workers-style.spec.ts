/**
 * Test files written for @cloudflare/vitest-pool-workers (fixtures/basic/test) run unchanged under
 * cloudflareTest() from @flarelet/vitest, in a real vitest child process: integration style (SELF.fetch,
 * exports.default, a WebSocket upgrade), unit style (worker.fetch(request, env, ctx), worker.scheduled,
 * worker.queue), a Durable Object (runInDurableObject, alarms, eviction with hibernatable WebSockets, RPC, a
 * WebSocket through it), text/data/Wasm imports by wrangler's module rules, a
 * fresh worker, env and storage per file, vitest's fake timers reaching the worker, and v8 coverage.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { FIXTURES, runVitest, type VitestRun } from "./helpers.js";

const CHILD_RUN_TIMEOUT = 300_000;

describe("fixtures/basic under a real vitest, with --coverage (v8)", () => {
  let run: VitestRun;
  beforeAll(async () => {
    run = await runVitest("basic", (outDir) => [
      // One process for every file (vitest's isolate is off by default under flareletVitest()): the
      // isolation tests then prove that the runtime, not a fresh process, gives each file its own worker.
      "--maxWorkers=1",
      "--coverage.enabled",
      "--coverage.provider=v8",
      "--coverage.reporter=json",
      "--coverage.include=src/**",
      `--coverage.reportsDirectory=${path.join(outDir, "coverage")}`,
    ]);
  }, CHILD_RUN_TIMEOUT);

  it("every test passes", () => {
    expect(run.failures).toEqual([]);
    expect(run.exitCode).toBe(0);
  });

  it.each([
    "test/fetch-integration-self.test.ts › dispatches fetch event",
    "test/fetch-unit.test.ts › dispatches fetch event",
    "test/exports.test.ts › exports.default dispatches to the main module, with the wrangler vars in env",
    "test/websocket-integration-self.test.ts › upgrades to a WebSocket and echoes text and binary messages",
    "test/websocket-integration-self.test.ts › refuses a request without Upgrade as the worker says",
    "test/websocket-unit.test.ts › the worker's handler returns the client end of a WebSocketPair",
    "test/websocket-unit.test.ts › has the Workers globals: WebSocketPair needs new, navigator says Cloudflare-Workers",
    "test/scheduled-unit.test.ts › dispatches a scheduled event",
    "test/queue-unit.test.ts › reports which messages the queue handler acked and retried",
    "test/isolation-a.test.ts › starts with a fresh worker and env",
    "test/isolation-b.test.ts › starts with a fresh worker and env",
    "test/readme.test.ts › answers through SELF, as a client would call it (integration style)",
    "test/readme.test.ts › answers when the test calls its handler (unit style)",
    "test/readme.test.ts › upgrades to a WebSocket",
    "test/durable-object-direct-access.test.ts › increments count and allows direct access to instance and storage",
    "test/durable-object-direct-access.test.ts › calls the object's methods over RPC, with results of the test's realm",
    "test/durable-object-direct-access.test.ts › refuses what is not a stub, as vitest-pool-workers does",
    "test/durable-object-alarm.test.ts › immediately executes alarm",
    "test/durable-object-eviction.test.ts › resets in-memory state but preserves storage on targeted eviction",
    "test/durable-object-eviction.test.ts › resets all running instances with bulk eviction",
    "test/durable-object-eviction.test.ts › keeps a hibernatable WebSocket open across an eviction; the next message reaches a new instance",
    "test/durable-object-eviction.test.ts › closes hibernatable WebSockets when asked to",
    "test/durable-object-eviction.test.ts › rejects evicting an object that is not running",
    "test/pool-workers-example.test.ts › integration style (SELF) opens a WebSocket to a Durable Object through the worker",
    "test/pool-workers-example.test.ts › unit style (worker.fetch) handles a request with the test's env and ctx, and the object's storage shows it",
    "test/fake-timers-durable-objects.test.ts › Durable Object storage works under fake timers",
    "test/fake-timers-durable-objects.test.ts › advancing fake time runs a Durable Object's alarm",
    "test/fake-timers.test.ts › the worker sees vitest's fake system time",
    "test/fake-timers.test.ts › the worker's setTimeout is advanced by vi.advanceTimersByTime",
    "test/module-rules.test.ts › imports .txt as a string, .bin as an ArrayBuffer and .wasm as a WebAssembly.Module",
  ])("ran and passed: %s", (name) => {
    expect(run.results.get(name)).toBe("passed");
  });

  it("v8 coverage covers the worker's TypeScript source, line by line, with the one unrequested route uncovered", async () => {
    const coverage = JSON.parse(await readFile(path.join(run.outDir, "coverage/coverage-final.json"), "utf8")) as Record<
      string,
      { statementMap: Record<string, { start: { line: number } }>; s: Record<string, number> }
    >;
    const index = coverage[path.join(FIXTURES, "basic/src/index.ts")];
    expect(index, "src/index.ts in the coverage report").toBeDefined();
    const source = await readFile(path.join(FIXTURES, "basic/src/index.ts"), "utf8");
    const teapotLine = source.split("\n").findIndex((line) => line.includes("/teapot")) + 1;
    const uncovered = Object.entries(index!.s)
      .filter(([, count]) => count === 0)
      .map(([id]) => index!.statementMap[id]!.start.line);
    // The route no test requests is the only statement never run (its `return` on the same line).
    expect(uncovered).toEqual([teapotLine]);
    const covered = Object.values(index!.s).filter((count) => count > 0).length;
    expect(covered).toBeGreaterThan(10);
  });
});

describe("fixtures/basic with vitest's own isolation on (--isolate: a process per test file)", () => {
  let run: VitestRun;
  beforeAll(async () => {
    run = await runVitest("basic", () => ["--isolate", "test/isolation-a", "test/isolation-b", "test/pool-workers-example", "test/fake-timers-durable-objects"]);
  }, CHILD_RUN_TIMEOUT);

  it("every test passes", () => {
    expect(run.failures).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.results.size).toBe(6);
  });
});

