/**
 * One load of a worker script: a fresh context with the Workers globals, the script run in it, and the
 * handlers it registered. `MiniflareCore` makes a new `Worker` on every reload and disposes the old one.
 */
import vm from "node:vm";
import { FlareletError } from "./errors.js";
import { Interrupter } from "./interrupter.js";
import { formatError, type Log } from "./log.js";
import { createWorkersModule, WORKERS_MODULE } from "./builtins/workers-module.js";
import type { BuiltinModules } from "./modules/builtins.js";
import { ModuleGraph, INLINE_SCRIPT } from "./modules/graph.js";
import { NeedsBundling } from "./modules/resolve.js";
import type { ModuleRules } from "./modules/rules.js";
import { fromV8SyntaxError } from "./modules/source-errors.js";
import type { Compatibility } from "./compatibility.js";
import { createWorkerContext } from "./sandbox/context.js";
import { applyLoadGlobals } from "./sandbox/load-globals.js";
import { TopLevelGuard } from "./sandbox/top-level-guard.js";
import { GlobalEventListeners } from "./sandbox/global-events.js";
import { reportUnhandledRejection } from "./sandbox/rejection-report.js";
import { returningRealmPromises, watchRejections } from "./sandbox/rejections.js";
import { WorkerTimers } from "./sandbox/timers.js";
import { registerWorkerFiles, unregisterWorkerFiles } from "./stack-traces.js";
import { createAbortGlobals } from "./standards/abort.js";

export interface WorkerScript {
  /** The file the script came from, `<script>` for a `script` option, or the (virtual) file of a bundle. */
  readonly path: string;
  readonly code: string;
  /** Modules format (`export default { fetch }`) rather than service-worker (`addEventListener`). */
  readonly modules: boolean;
  /** A bundle's source map (JSON text), mapping `path` back to the files it was made from. */
  readonly sourceMap?: string;
  /** A bundle's input files; the per-file loader finds its own. */
  readonly files?: readonly string[];
  /** A bundle's imports (by specifier) and the source file each came from, for error messages. */
  readonly importers?: ReadonlyMap<string, string>;
}

export interface WorkerLoadOptions {
  script: WorkerScript;
  /** Globals from plugins and the `globals` option, already merged and checked for conflicts. */
  globals: Record<string, unknown>;
  bindings: Record<string, unknown>;
  /** Built-in modules from plugins, by specifier; core adds `cloudflare:workers` itself. */
  modules: ReadonlyMap<string, Record<string, unknown>>;
  /** Set when the per-file loader may give up on `script` and run this bundle of it instead. */
  bundle?: () => Promise<WorkerScript>;
  rules: ModuleRules;
  rootPath: string;
  log: Log;
  /** The worker's compatibility date and flags. */
  compatibility: Compatibility;
}

/** What an exported handler object may hold; only `fetch` is dispatched today. */
export interface ExportedHandler {
  fetch?: (request: unknown, env: unknown, ctx: unknown) => unknown;
}

export type WorkerFormat = "modules" | "service-worker";

export class Worker {
  readonly format: WorkerFormat;
  readonly globalScope: Record<string, unknown>;
  /** The `env` a modules worker receives; the same bindings are globals in the service-worker format. */
  readonly env: Record<string, unknown>;
  readonly listeners: GlobalEventListeners;
  readonly #timers: WorkerTimers;
  /** On while the script loads: workerd refuses I/O, timers and randomness then. */
  readonly #guard = new TopLevelGuard();
  readonly #context: vm.Context;
  readonly #releaseRejections: () => void;
  /** The requests this load is answering: failed when it ends (see `dispose`). */
  readonly #inFlight = new Interrupter();
  #files: readonly string[] = [];
  #exports: Record<string, unknown> = {};
  /** What actually ran: the script given, or its bundle. */
  #script: WorkerScript;

  readonly #options: WorkerLoadOptions;

  /** Creates the context with every global; the script runs on `run()`. */
  constructor(options: WorkerLoadOptions) {
    this.#options = options;
    this.#script = options.script;
    this.format = options.script.modules ? "modules" : "service-worker";
    this.#timers = new WorkerTimers(options.log);
    this.listeners = new GlobalEventListeners(options.script.modules ? (message) => options.log.warn(message) : undefined);
    const timers = this.#timers;
    const perLoad: Record<string, unknown> = {
      setTimeout: timers.setTimeout,
      clearTimeout: timers.clearTimeout,
      setInterval: timers.setInterval,
      clearInterval: timers.clearInterval,
      queueMicrotask: timers.queueMicrotask,
      // workerd's `scheduler.wait(ms)`: an awaitable setTimeout.
      scheduler: Object.freeze({
        wait: (ms?: number) => {
          this.#guard.check();
          return new Promise<void>((resolve) => timers.setTimeout(() => resolve(), ms));
        },
      }),
      ...createAbortGlobals(
        (error) =>
          options.log.error(`Uncaught exception in an "abort" listener of AbortSignal.timeout(): ${formatError(error)}`),
        () => this.#guard.check(),
      ),
    };
    // Both formats have them, as in workerd: a modules worker listens for "unhandledrejection" this way too.
    perLoad.addEventListener = this.listeners.addEventListener;
    perLoad.removeEventListener = this.listeners.removeEventListener;
    const bindingGlobals = options.script.modules ? {} : options.bindings;
    const globals = { ...perLoad, ...options.globals };
    applyLoadGlobals(globals, { compatibility: options.compatibility, guard: this.#guard, log: options.log });
    const { context, global } = createWorkerContext({ ...globals, ...bindingGlobals });
    global.self = global;
    if (typeof global.fetch === "function") {
      global.fetch = returningRealmPromises(global.fetch as (...args: unknown[]) => unknown, global);
    }
    // The runtime reports a promise the worker never handles and keeps serving; so do we (rejections.ts).
    this.#releaseRejections = watchRejections(global, (reason, promise) =>
      reportUnhandledRejection(this.listeners, options.log, reason, promise),
    );
    this.#context = context;
    this.globalScope = global;
    // `env` is an object of the worker's realm, so `env.constructor === Object` there.
    this.env = Object.assign(vm.runInContext("({})", context) as Record<string, unknown>, options.bindings);
  }

  /** Runs the script; rejects with a `FlareletError` if it cannot load, and then disposes this load. */
  async run(): Promise<void> {
    try {
      await this.#run(this.#options);
    } catch (error) {
      this.dispose();
      throw error;
    } finally {
      this.#guard.leave();
    }
  }

  /** Files the script read (the script itself and every module it imports), for file watching. */
  get files(): readonly string[] {
    return this.#files;
  }

  /** The entry module's exports (a modules worker's named classes and `default`); empty for a service worker. */
  get exports(): Readonly<Record<string, unknown>> {
    return this.#exports;
  }

  /** The script that ran: the one given, or the bundle made of it. */
  get script(): WorkerScript {
    return this.#script;
  }

  /** The modules worker's default export. */
  get defaultExport(): ExportedHandler | undefined {
    return this.#exports.default as ExportedHandler | undefined;
  }

  /**
   * Ends this load: pending timers are cancelled, as the runtime discards them with the isolate, and requests
   * still in flight are failed with ERR_RELOADED or ERR_DISPOSED rather than left waiting forever.
   */
  dispose(why: "reloaded" | "disposed" = "disposed"): void {
    this.#timers.clearAll();
    this.#releaseRejections();
    unregisterWorkerFiles(this);
    this.#inFlight.interrupt(
      why === "reloaded"
        ? new FlareletError("ERR_RELOADED", "The worker was reloaded while this request was in flight; the version handling it is gone.")
        : new FlareletError("ERR_DISPOSED", "This MiniflareCore instance was disposed while this request was in flight."),
    );
  }

  /** `handled`, the worker's answer to a request, unless this load ends first (then ERR_RELOADED/ERR_DISPOSED). */
  answering<T>(handled: Promise<T>): Promise<T> {
    return this.#inFlight.guard(handled);
  }

  async #run(options: WorkerLoadOptions): Promise<void> {
    const { script } = options;
    if (!script.modules) {
      this.#files = script.files ?? (script.path === INLINE_SCRIPT ? [] : [script.path]);
      let compiled: vm.Script;
      try {
        compiled = new vm.Script(script.code, { filename: script.path });
      } catch (error) {
        throw withModulesHint(fromV8SyntaxError(script.path, script.code, error));
      }
      this.#registerFiles(script, [script.path]);
      evaluating(script.path, () => compiled.runInContext(this.#context));
      if (this.listeners.count() === 0) {
        // workerd refuses such a script at start-up (worker.c++).
        throw new FlareletError(
          "ERR_NO_HANDLER",
          `No event handlers were registered. This script does nothing. (${script.path}; ` +
            "a modules-format worker needs the modules option)",
        );
      }
      return;
    }
    // acorn is only needed for modules-format workers, so it is loaded only for them.
    const { parse } = await import("acorn");
    const graphOf = (bundling: boolean) =>
      new ModuleGraph({
        context: this.#context,
        rules: options.rules,
        rootPath: options.rootPath,
        builtins: this.#builtins(options),
        bundling,
        parse: (source) => parse(source, { ecmaVersion: "latest", sourceType: "module" }) as never,
      });
    let graph = graphOf(options.bundle !== undefined);
    let main;
    try {
      main = linkScript(graph, script);
    } catch (error) {
      if (!(error instanceof NeedsBundling) || options.bundle === undefined) {
        this.#files = [...graph.files];
        throw error;
      }
      options.log.debug(`Bundling ${script.path}: ${error.reason}.`);
      this.#script = await options.bundle();
      graph = graphOf(false);
      main = linkScript(graph, this.#script);
    }
    this.#registerFiles(this.#script, [...graph.files, INLINE_SCRIPT]);
    try {
      const evaluation = graph.evaluate(main);
      this.#exports = await evaluatingAsync(script.path, () => settledAtStartUp(evaluation, script.path));
    } finally {
      this.#files = this.#script.files ?? [...graph.files];
    }
  }

  /** Tells stack-traces.ts which files are this load's code, so that its frames are mapped and kept. */
  #registerFiles(script: WorkerScript, plain: string[]): void {
    if (script.sourceMap === undefined) registerWorkerFiles(this, plain);
    else registerWorkerFiles(this, [], { path: script.path, sourceMap: script.sourceMap });
  }

  /** Plugins' built-in modules, and core's `cloudflare:workers` for this load. */
  #builtins(options: WorkerLoadOptions): BuiltinModules {
    const builtins = new Map<string, () => Record<string, unknown>>();
    for (const [specifier, exports] of options.modules) builtins.set(specifier, () => exports);
    builtins.set(WORKERS_MODULE, () => createWorkersModule(this.env));
    return builtins;
  }
}

/** Links a script; an import a bundle cannot resolve is reported from the source file that has it. */
function linkScript(graph: ModuleGraph, bundle: WorkerScript): ReturnType<ModuleGraph["link"]> {
  try {
    return graph.link(bundle.path, bundle.code);
  } catch (error) {
    if (error instanceof FlareletError && error.code === "ERR_MODULE_NOT_FOUND") {
      const specifier = /^No such module "([^"]+)"/.exec(error.message)?.[1];
      const importer = specifier === undefined ? undefined : bundle.importers?.get(specifier);
      if (importer !== undefined) error.message = error.message.replace(`(imported from ${bundle.path})`, `(imported from ${importer})`);
    }
    throw error;
  }
}

const UNSETTLED = Symbol("unsettled");

/**
 * workerd evaluates a module graph, runs the microtasks once, and refuses a graph still pending then
 * (jsg/modules.c++, `instantiateModule`): a top-level await may wait for promises, not for timers, I/O or
 * a promise that never settles. Loading is synchronous here, so evaluation settles within the microtasks
 * too unless such an await holds it; the next turn of the event loop tells. Without this, a module awaiting
 * forever would hold every request and `dispose()` with it.
 */
async function settledAtStartUp<T>(evaluation: Promise<T>, file: string): Promise<T> {
  const nextTurn = new Promise<typeof UNSETTLED>((resolve) => setImmediate(resolve, UNSETTLED));
  const result = await Promise.race([evaluation, nextTurn]);
  if (result !== UNSETTLED) return result;
  throw new FlareletError(
    "ERR_SCRIPT_EVALUATION",
    `Uncaught Error: Top-level await in module is unsettled. while evaluating ${file}\n` +
      "A top-level await may only wait for promises that settle at start-up: not for a timer, I/O, or a promise that never settles.",
  );
}

/** Top-level code that throws: the error is wrapped so that it says which script threw. */
function evaluating<T>(file: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw evaluationError(file, error);
  }
}

async function evaluatingAsync<T>(file: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw evaluationError(file, error);
  }
}

function evaluationError(file: string, error: unknown): unknown {
  if (error instanceof FlareletError) return error;
  const description = typeof error === "object" && error !== null && "name" in error
    ? `${String((error as Error).name)}: ${String((error as Error).message)}`
    : String(error);
  return new FlareletError("ERR_SCRIPT_EVALUATION", `Uncaught ${description} while evaluating ${file}`, { cause: error });
}

/** `import`/`export` in a service-worker script usually means the user forgot `modules: true`. */
function withModulesHint(error: unknown): unknown {
  if (error instanceof FlareletError && /import|export/.test(String((error.cause as Error | undefined)?.message))) {
    error.message += "\nThis looks like a modules-format worker: set the modules option (--modules on the command line).";
  }
  return error;
}
