/**
 * One test file's worker: a flarelet `Miniflare` whose script is the bridge (bridge.ts), its `env`, and the
 * Workers globals installed into the test's realm. The setup file (setup.ts) starts it before the test file
 * is imported and ends it after the file's last test, so every file gets a fresh worker and fresh storage:
 *
 *     setup.ts ─► startTestFile() ─► (test file imported, tests run) ─► afterAll: end()
 *                 new Miniflare, env, globals in                         waitUntil()s settle, dispose, globals out
 *
 * The setup file also resets vitest's module registry first, so that the test file and the worker's modules
 * are evaluated afresh even in a process that ran other test files before (vitest's `isolate: false`, which
 * flareletVitest() makes the default): per-file isolation without a process per file.
 */
import { Miniflare, type MiniflareResponse } from "flarelet";
import type { RuntimeOptions } from "../options.js";
import { setEnv } from "./env.js";
import { BRIDGE_GLOBAL, bridgeScript, createBridge, type Bridge, type MainModule } from "./bridge.js";
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
  readonly #bridge: Bridge;
  readonly #waitUntil = new Set<Promise<unknown>>();

  private constructor(
    mf: Miniflare,
    env: Record<string, unknown>,
    options: RuntimeOptions,
    importModule: ImportModule,
    bridge: Bridge,
    restoreGlobals: () => void,
  ) {
    this.mf = mf;
    this.env = env;
    this.#options = options;
    this.#importModule = importModule;
    this.#bridge = bridge;
    this.#restoreGlobals = restoreGlobals;
  }

  static async start(options: RuntimeOptions, importModule: ImportModule): Promise<TestFile> {
    let file: TestFile | undefined;
    const bridge = createBridge(() => {
      if (file === undefined) throw new Error("[@flarelet/vitest] the worker was called before its test file started");
      return file.loadMain();
    });
    const mf = new Miniflare({
      ...options.miniflare,
      rootPath: options.root,
      modules: true,
      script: bridgeScript(options.durableObjects.map(({ className }) => className)),
      globals: { [BRIDGE_GLOBAL]: bridge.target, ...testRealmIntrinsics() },
    });
    try {
      const [env, scope] = await Promise.all([mf.getBindings(), mf.getGlobalScope()]);
      const globals = contributedGlobals(scope, [BRIDGE_GLOBAL]);
      globals.set("self", globalThis);
      globals.set("scheduler", testRealmScheduler);
      file = new TestFile(mf, env, options, importModule, bridge, installGlobals(globalThis, globals));
      return file;
    } catch (error) {
      await mf.dispose();
      throw error;
    }
  }

  /** The Durable Object bindings and their classes. */
  get durableObjects(): RuntimeOptions["durableObjects"] {
    return this.#options.durableObjects;
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
    const module = await this.#importModule(main);
    this.#bridge.bindMain(module);
    return module;
  }

  /**
   * Before the file's first test: a project with Durable Objects has main imported now, so that flarelet
   * constructs objects from its classes. Not earlier: the test file's `vi.mock()`s must be in place first.
   */
  async beforeTests(): Promise<void> {
    if (this.#options.durableObjects.length > 0) await this.loadMain();
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

/**
 * The test realm's own constructors, given to the bridge worker as its globals. Plugins make the values they
 * hand a worker with the constructors of its global scope (Durable Object storage and RPC results, WebSocket
 * messages); the worker's code runs in this realm, so `instanceof Array`, `toStrictEqual` and friends must
 * see this realm's. (Core knows the bridge's own realm by its global's prototype chain, not by these.)
 */
function testRealmIntrinsics(): Record<string, unknown> {
  const names = [
    "Object", "Array", "Promise", "RegExp", "Date", "Map", "Set", "WeakMap", "WeakSet", "WeakRef",
    "Error", "EvalError", "RangeError", "ReferenceError", "SyntaxError", "TypeError", "URIError", "AggregateError",
    "ArrayBuffer", "SharedArrayBuffer", "DataView", "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array",
    "Uint16Array", "Int32Array", "Uint32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array",
  ];
  return Object.fromEntries(names.map((name) => [name, (globalThis as Record<string, unknown>)[name]]));
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

/** Starts the current test file's worker, and returns what the file's `beforeAll` and `afterAll` call. */
export async function startTestFile(options: RuntimeOptions, importModule: ImportModule): Promise<{ beforeTests(): Promise<void>; end(): Promise<void> }> {
  const file = await TestFile.start(options, importModule);
  current = file;
  setEnv(file.env);
  return {
    beforeTests: () => file.beforeTests(),
    async end() {
      if (current === file) current = undefined;
      await file.end();
    },
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
