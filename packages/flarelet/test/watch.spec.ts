/** The Watcher (src/watch.ts) on its own, with a fake reload: what triggers it, and with which flag. */
import { Log, LogLevel } from "@flarelet/core";
import { describe, expect, it } from "vitest";
import { Watcher } from "../src/watch.js";
import { onCleanup, useTempDir, withTimeout } from "./helpers.js";

const tmp = useTempDir();

interface Harness {
  watcher: Watcher;
  lines: string[];
  /** Resolves with the `configChanged` flag of the next reload call. */
  nextReload(): Promise<boolean>;
  /** The reload's outcome: resolve (default) or throw this error. */
  failWith(error: Error | undefined): void;
  /** How many times reload was called so far. */
  readonly count: number;
  /** Resolves once a log line contains `text`. */
  waitForLine(text: string): Promise<void>;
}

/** Longer than the debounce: long enough for an event that should not come to have come. */
const QUIET_MS = 150;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function createWatcher(): Harness {
  const lines: string[] = [];
  const pending: ((configChanged: boolean) => void)[] = [];
  const calls: boolean[] = [];
  let failure: Error | undefined;
  let count = 0;
  const watcher = new Watcher({
    log: new Log(LogLevel.DEBUG, { write: (line) => lines.push(line), colour: false }),
    debounceMs: 20,
    reload: async (configChanged) => {
      count++;
      const waiter = pending.shift();
      if (waiter === undefined) calls.push(configChanged);
      else waiter(configChanged);
      if (failure !== undefined) throw failure;
    },
  });
  onCleanup(() => watcher.close());
  return {
    watcher,
    lines,
    nextReload: () =>
      withTimeout(
        new Promise<boolean>((resolve) => {
          const done = calls.shift();
          if (done === undefined) pending.push(resolve);
          else resolve(done);
        }),
        "a reload",
      ),
    failWith: (error) => {
      failure = error;
    },
    get count() {
      return count;
    },
    waitForLine: (text) =>
      withTimeout(
        (async () => {
          while (!lines.some((line) => line.includes(text))) await sleep(5);
        })(),
        `a log line with "${text}"`,
      ),
  };
}

describe("Watcher", () => {
  it("reloads with configChanged false for a worker file, true for a config file", async () => {
    const worker = await tmp.write("worker.mjs", "1");
    const env = `${tmp.path}/.env`;
    const { watcher, nextReload, lines } = createWatcher();
    watcher.setWorkerFiles([worker]);
    watcher.setConfigFiles([env]);
    expect(watcher.files).toEqual([env, worker].sort());

    await tmp.write("worker.mjs", "2");
    expect(await nextReload()).toBe(false);
    await tmp.write(".env", "A=1");
    expect(await nextReload()).toBe(true);
    await withTimeout(
      (async () => {
        while (lines.filter((line) => line.includes("Reloaded in")).length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      })(),
      "two 'Reloaded in' lines",
    );
  });

  it("ignores files it does not watch while the last reload succeeded", async () => {
    const worker = await tmp.write("worker.mjs", "1");
    const harness = createWatcher();
    harness.watcher.setWorkerFiles([worker]);
    await tmp.write("unrelated.txt", "x");
    await sleep(QUIET_MS);
    expect(harness.count).toBe(0);
    await tmp.write("worker.mjs", "2");
    expect(await harness.nextReload()).toBe(false);
    expect(harness.count).toBe(1);
  });

  it("after a failed reload, logs the error and retries on any file in a watched folder", async () => {
    const worker = await tmp.write("worker.mjs", "1");
    const { watcher, nextReload, failWith, lines } = createWatcher();
    watcher.setWorkerFiles([worker]);
    failWith(new Error("broken on purpose"));
    await tmp.write("worker.mjs", "2");
    await nextReload();
    await withTimeout(
      (async () => {
        while (!lines.some((line) => line.includes("last good version keeps serving"))) await new Promise((resolve) => setTimeout(resolve, 5));
      })(),
      "the warning",
    );
    expect(lines.some((line) => line.startsWith("[flarelet:err]") && line.includes("broken on purpose"))).toBe(true);
    failWith(undefined);
    await tmp.write("new-module.mjs", "export {}");
    expect(await nextReload()).toBe(false);
  });

  it("after a failed config reload, the retry re-reads the configuration", async () => {
    const worker = await tmp.write("worker.mjs", "1");
    const harness = createWatcher();
    const { watcher, nextReload, failWith } = harness;
    watcher.setWorkerFiles([worker]);
    watcher.setConfigFiles([`${tmp.path}/wrangler.toml`]);
    failWith(new Error("bad toml"));
    await tmp.write("wrangler.toml", "x = ");
    expect(await nextReload()).toBe(true);
    await harness.waitForLine("last good version keeps serving");
    failWith(undefined);
    await tmp.write("worker.mjs", "2");
    expect(await nextReload()).toBe(true);
  });

  it("re-arms on the new file list: a folder no longer needed is not watched", async () => {
    const first = await tmp.write("a/worker.mjs", "1");
    const second = await tmp.write("b/worker.mjs", "1");
    const harness = createWatcher();
    harness.watcher.setWorkerFiles([first]);
    harness.watcher.setWorkerFiles([second]);
    expect(harness.watcher.files).toEqual([second]);
    await tmp.write("a/worker.mjs", "2");
    await sleep(QUIET_MS);
    expect(harness.count).toBe(0);
    await tmp.write("b/worker.mjs", "2");
    expect(await harness.nextReload()).toBe(false);
  });

  it("close() stops watching", async () => {
    const worker = await tmp.write("worker.mjs", "1");
    const harness = createWatcher();
    harness.watcher.setWorkerFiles([worker]);
    harness.watcher.close();
    await tmp.write("worker.mjs", "2");
    await sleep(QUIET_MS);
    expect(harness.count).toBe(0);
  });
});
