/**
 * One test file's worker: a flarelet `Miniflare` whose script is the bridge (bridge.ts), its `env`, and the
 * Workers globals installed into the test's realm. The setup file (setup.ts) starts it before the test file
 * is imported and ends it after the file's last test, so every file gets a fresh worker and fresh storage:
 *
 *     setup.ts ─► startTestFile() ─► (test file imported, tests run) ─► afterAll: end()
 *                 new Miniflare, env, globals in                         waitUntil()s settle, dispose, globals out
 *
 * With vitest's `isolate: false`, the files of one process share one worker, as vitest-pool-workers shares
 * storage between files then: it is started once and left to the process's exit.
 */
import { Miniflare, type MiniflareResponse } from "flarelet";
import type { RuntimeOptions } from "../options.js";
import { setEnv } from "./env.js";
import { BRIDGE_GLOBAL, BRIDGE_SCRIPT, createBridgeTarget, type MainModule } from "./bridge.js";
import { contributedGlobals, installGlobals } from "./globals.js";

/** Imports a module through vitest (its transforms, mocks and coverage), from the setup file. */
export type ImportModule = (specifier: string) => Promise<MainModule>;

/** Timers taken before any test can fake them: the runtime's own waiting must not depend on fake time. */
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

/** How long the end of a file waits for `waitUntil()` promises before going on without them. */
const WAIT_UNTIL_GRACE_MS = 5_000;

export class TestFile {
  readonly mf: Miniflare;
  readonly env: Record<string, unknown>;
  readonly #options: RuntimeOptions;
  readonly #importModule: ImportModule;
  readonly #restoreGlobals: () => void;
  readonly #waitUntil = new Set<Promise<unknown>>();

  private constructor(mf: Miniflare, env: Record<string, unknown>, options: RuntimeOptions, importModule: ImportModule, restoreGlobals: () => void) {
    this.mf = mf;
    this.env = env;
    this.#options = options;
    this.#importModule = importModule;
    this.#restoreGlobals = restoreGlobals;
  }

  static async start(options: RuntimeOptions, importModule: ImportModule): Promise<TestFile> {
    let file: TestFile | undefined;
    const target = createBridgeTarget(() => {
      if (file === undefined) throw new Error("[@flarelet/vitest] the worker was called before its test file started");
      return file.loadMain();
    });
    const mf = new Miniflare({
      ...options.miniflare,
      rootPath: options.root,
      modules: true,
      script: BRIDGE_SCRIPT,
      globals: {
        [BRIDGE_GLOBAL]: target,
        // Sockets deliver binary data as ArrayBuffers of the realm their worker runs in (web-sockets takes
        // it from the load's global scope); the worker's code runs in the test's realm, so that is this one.
        ArrayBuffer,
        Uint8Array,
      },
    });
    try {
      const [env, scope] = await Promise.all([mf.getBindings(), mf.getGlobalScope()]);
      const globals = contributedGlobals(scope, [BRIDGE_GLOBAL]);
      globals.set("self", globalThis);
      globals.set("scheduler", testRealmScheduler);
      file = new TestFile(mf, env, options, importModule, installGlobals(globalThis, globals));
      return file;
    } catch (error) {
      await mf.dispose();
      throw error;
    }
  }

  /** The project's main module, imported by vitest into the test's realm (the same instance a test imports). */
  async loadMain(): Promise<MainModule> {
    const main = this.#options.main;
    if (main === undefined) {
      throw new TypeError(
        "[@flarelet/vitest] SELF and exports.default need the worker's entry module: set `main` in the wrangler config, " +
          "or flareletVitest({ main: \"./src/index.ts\" }) in vitest.config.",
      );
    }
    return await this.#importModule(main);
  }

  /** Dispatches to the main module through flarelet, and keeps the response's `waitUntil()`s for the end. */
  async dispatchFetch(input?: Parameters<Miniflare["dispatchFetch"]>[0], init?: Parameters<Miniflare["dispatchFetch"]>[1]): Promise<MiniflareResponse> {
    const response = await this.mf.dispatchFetch(input, init);
    this.trackWaitUntil(response.waitUntil());
    return response;
  }

  /** A promise the end of the file waits for (failures are logged where they happen, not rethrown here). */
  trackWaitUntil(promise: Promise<unknown>): void {
    const settled = promise.then(
      () => {},
      () => {},
    );
    this.#waitUntil.add(settled);
    void settled.then(() => this.#waitUntil.delete(settled));
  }

  /** Waits for pending `waitUntil()`s (bounded), disposes the worker (WebSockets close 1001), restores globals. */
  async end(): Promise<void> {
    try {
      await settleWithin([...this.#waitUntil], WAIT_UNTIL_GRACE_MS);
      await this.mf.dispose();
    } finally {
      this.#restoreGlobals();
    }
  }
}

/** workerd's `scheduler.wait(ms)`, on the test realm's own (fakeable) `setTimeout`, looked up at each call. */
const testRealmScheduler = Object.freeze({
  wait: (ms?: number) => new Promise<void>((resolve) => globalThis.setTimeout(resolve, ms)),
});

async function settleWithin(promises: Promise<unknown>[], ms: number): Promise<void> {
  if (promises.length === 0) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = realSetTimeout(() => resolve("timeout"), ms);
  });
  const outcome = await Promise.race([Promise.all(promises), timedOut]);
  realClearTimeout(timer);
  if (outcome === "timeout") {
    console.warn(`[@flarelet/vitest] ${promises.length} waitUntil() promise(s) had not settled ${ms} ms after the file's last test; ending the worker without them.`);
  }
}

let current: TestFile | undefined;
let shared: { key: string; file: TestFile } | undefined;

/**
 * Starts the current test file's worker (or, without isolation, reuses the process's), and returns the
 * function the file's `afterAll` calls.
 */
export async function startTestFile(options: RuntimeOptions, importModule: ImportModule): Promise<() => Promise<void>> {
  if (!options.isolate) {
    const key = JSON.stringify(options);
    if (shared?.key !== key) shared = { key, file: await TestFile.start(options, importModule) };
    current = shared.file;
    setEnv(current.env);
    return async () => {};
  }
  const file = await TestFile.start(options, importModule);
  current = file;
  setEnv(file.env);
  return async () => {
    if (current === file) current = undefined;
    await file.end();
  };
}

/** The running test file's worker; an error that says what is missing outside one. */
export function currentTestFile(): TestFile {
  if (current === undefined) {
    throw new Error(
      "[@flarelet/vitest] No worker for this test file: cloudflare:test and cloudflare:workers work in test files of a " +
        "vitest project with flareletVitest() (or cloudflareTest()) among its plugins.",
    );
  }
  return current;
}
