/**
 * `MiniflareCore`: loads a worker into a sandbox with the plugins' globals and bindings, dispatches
 * requests to it, reloads it and disposes it. Everything user-facing in flarelet is built on this class.
 */
import { Compatibility } from "./compatibility.js";
import { dispatchFetch } from "./dispatch.js";
import { Bundler } from "./bundle/bundler.js";
import { FlareletError } from "./errors.js";
import { prepareScript } from "./load-script.js";
import { Log } from "./log.js";
import { ModuleRules } from "./modules/rules.js";
import { resolveRootPath, validateOptions, type MiniflareCoreOptions } from "./options.js";
import type { Plugin, ReloadContext } from "./plugin.js";
import { PluginContexts } from "./plugin-context.js";
import { PluginRunner, type MergedSetup, type ReservedNames } from "./plugin-runner.js";
import { WORKERS_MODULE } from "./builtins/workers-module.js";
import { createStandardGlobals, PER_LOAD_GLOBALS } from "./sandbox/globals.js";
import { Request, type WorkersRequestInit } from "./standards/request.js";
import type { Response } from "./standards/response.js";
import type { RequestInfo } from "./standards/types.js";
import { Worker, type WorkerFormat } from "./worker.js";
import { createWorkerRealm, type WorkerRealm } from "./worker-realm.js";

/** Dispatched on the instance after every successful load, the first included. */
export class ReloadEvent extends Event {
  /** True for the first load. */
  readonly initial: boolean;
  /** The worker's format. */
  readonly format: WorkerFormat;
  /** Every file the worker read: the script and the modules it imports. */
  readonly files: readonly string[];

  constructor(init: { initial: boolean; format: WorkerFormat; files: readonly string[] }) {
    super("reload");
    this.initial = init.initial;
    this.format = init.format;
    this.files = init.files;
  }
}

/** Core's own globals come from a plugin like any other, so that other plugins can override them openly. */
const corePlugin: Plugin = {
  name: "core",
  setup: () => ({ globals: createStandardGlobals() }),
};
const RESERVED: ReservedNames = {
  globals: new Map(PER_LOAD_GLOBALS.map((name) => [name, "core"])),
  // Made per load by core (its `env` is the load's bindings), so no plugin may provide it.
  modules: new Map([[WORKERS_MODULE, "core"]]),
};

export const DEFAULT_DISPATCH_URL = "http://localhost:8787/";

export class MiniflareCore extends EventTarget {
  #options: MiniflareCoreOptions;
  readonly #log: Log;
  readonly #runner: PluginRunner;
  readonly #contexts: PluginContexts;
  readonly #realm: WorkerRealm;
  /** The compatibility date and flags of the options in effect (set by the first load). */
  #compatibility: Compatibility | undefined;
  #setup: MergedSetup | undefined;
  /** esbuild, with its incremental contexts; made on the first load that needs it, per set of options. */
  #bundler: Bundler | undefined;
  /** The worker that serves requests: the last one that loaded successfully. */
  #worker: Worker | undefined;
  /** The latest load; loads run one after another. */
  #loading: Promise<void>;
  #loads = 0;
  #disposed: Promise<void> | undefined;

  constructor(options: MiniflareCoreOptions) {
    super();
    validateOptions(options);
    this.#options = options;
    this.#log = options.log ?? new Log();
    this.#runner = new PluginRunner([corePlugin, ...(options.plugins ?? [])]);
    this.#realm = createWorkerRealm(() => this.#worker?.globalScope, this.#log);
    this.#contexts = new PluginContexts({
      log: this.#log,
      realm: this.#realm,
      dispatchFetch: (input, init) => this.dispatchFetch(input, init),
    });
    // Start loading at once so that the first request does not wait for it; errors surface to callers.
    this.#loading = this.#load(true);
    this.#loading.catch(() => {});
  }

  get log(): Log {
    return this.#log;
  }

  /**
   * Hands values to the worker of the current load as the runtime would have made them there: Node's
   * Request/Response as the Workers classes, promises and errors as the worker's (see `WorkerRealm`). For
   * code that serves the worker (an HTTP server, a test harness); plugins have it as `ctx.realm`.
   */
  get realm(): WorkerRealm {
    return this.#realm;
  }

  /** The compatibility date and flags in effect; undefined until the first load has begun. */
  get compatibility(): Compatibility | undefined {
    return this.#compatibility;
  }

  /** The registered plugins, core's own first, in registration order. */
  get plugins(): readonly Plugin[] {
    return this.#runner.plugins;
  }

  /** Dispatches a request to the worker's fetch handler and resolves to its response. */
  async dispatchFetch(
    input: RequestInfo = DEFAULT_DISPATCH_URL,
    init?: WorkersRequestInit,
  ): Promise<Response> {
    // A Workers Request without init is used as it is: copying it would cost a body stream per request.
    const request = input instanceof Request && init === undefined ? input : new Request(input, init);
    const worker = await this.#currentWorker();
    return dispatchFetch(worker, request, this.#log);
  }

  /** Re-reads the script from disk and loads it into a fresh context. */
  async reload(): Promise<void> {
    return this.#enqueueLoad(false);
  }

  /** Merges `options` into the current ones, runs every plugin's `setup` again and reloads. */
  async setOptions(options: Omit<MiniflareCoreOptions, "plugins" | "log">): Promise<void> {
    this.#assertNotDisposed();
    validateOptions(options);
    if ("plugins" in options || "log" in options) {
      throw new FlareletError("ERR_INVALID_OPTION", "plugins and log are fixed for the life of an instance.");
    }
    this.#options = { ...this.#options, ...options };
    return this.#enqueueLoad(true);
  }

  /** The worker's global scope (its `globalThis`). */
  async getGlobalScope(): Promise<Record<string, unknown>> {
    return (await this.#currentWorker()).globalScope;
  }

  /** The bindings the worker receives (`env`). */
  async getBindings(): Promise<Record<string, unknown>> {
    return (await this.#currentWorker()).env;
  }

  /** Runs every plugin's `dispose` (in reverse order) and cancels the worker's timers. Idempotent. */
  dispose(): Promise<void> {
    this.#disposed ??= (async () => {
      await this.#loading.catch(() => {});
      try {
        if (this.#setup !== undefined) await this.#runner.hookReverse("dispose", (plugin) => this.#contexts.of(plugin));
      } finally {
        this.#worker?.dispose();
        this.#worker = undefined;
        await this.#bundler?.dispose();
      }
    })();
    return this.#disposed;
  }

  #enqueueLoad(setup: boolean): Promise<void> {
    this.#assertNotDisposed();
    const load = this.#loading.catch(() => {}).then(() => this.#load(setup));
    this.#loading = load;
    load.catch(() => {});
    return load;
  }

  async #currentWorker(): Promise<Worker> {
    this.#assertNotDisposed();
    try {
      await this.#loading;
    } catch (error) {
      // A failed reload leaves the last good version serving; only a failed first load has none.
      if (this.#worker === undefined) throw error;
    }
    this.#assertNotDisposed();
    return this.#worker!;
  }

  async #load(setup: boolean): Promise<void> {
    const initial = this.#loads++ === 0;
    const options = this.#options;
    const rootPath = resolveRootPath(options);
    if (setup || this.#setup === undefined) {
      const compatibility = new Compatibility(options.compatibilityDate, options.compatibilityFlags);
      for (const flag of compatibility.unknownFlags) {
        this.#log.warn(`Compatibility flag "${flag}" is not implemented by flarelet and changes nothing here.`);
      }
      this.#compatibility = compatibility;
      this.#contexts.reset(this.#runner.plugins, { compatibility, rootPath });
      this.#setup = await this.#runner.setup((plugin) => this.#contexts.of(plugin), RESERVED);
      // New options may change how the worker is bundled: the next bundle starts afresh.
      void this.#bundler?.dispose();
      this.#bundler = undefined;
    }
    const setupResult = this.#setup;
    const rules = new ModuleRules(rootPath, options.modulesRules);
    const { script, bundle } = await prepareScript(options, rootPath, () => {
      this.#bundler ??= new Bundler({
        rootPath,
        rules: rules.rules,
        define: options.define,
        alias: options.alias,
        builtins: { prefixes: /^(?:cloudflare|node):/, names: new Set([...setupResult.modules.keys()]) },
      });
      return this.#bundler;
    });
    const bindings = { ...this.#setup.bindings, ...options.bindings };
    const worker = new Worker({
      script,
      bundle,
      globals: { ...this.#setup.globals, ...options.globals },
      bindings,
      modules: this.#setup.modules,
      rules,
      rootPath,
      log: this.#log,
      compatibility: this.#compatibility!,
    });
    const reloadContexts = new Map<Plugin, ReloadContext>();
    const reloadContextOf = (plugin: Plugin): ReloadContext => {
      let context = reloadContexts.get(plugin);
      if (context === undefined) {
        context = {
          ...this.#contexts.of(plugin),
          globalScope: worker.globalScope,
          bindings,
          initial,
          get exports() {
            return worker.exports;
          },
        };
        reloadContexts.set(plugin, context);
      }
      return context;
    };
    try {
      await this.#runner.hookSequential("beforeReload", reloadContextOf);
      await worker.run();
      // Before the new worker serves: a failing `reload` hook fails the load like a failing script, rather
      // than leaving a half-loaded worker serving (and, on the first load, the error unseen).
      await this.#runner.hookSequential("reload", reloadContextOf);
    } catch (error) {
      worker.dispose();
      throw error;
    }
    this.#worker?.dispose("reloaded");
    this.#worker = worker;
    this.dispatchEvent(new ReloadEvent({ initial, format: worker.format, files: worker.files }));
  }

  #assertNotDisposed(): void {
    if (this.#disposed !== undefined) {
      throw new FlareletError("ERR_DISPOSED", "This MiniflareCore instance was disposed; create a new one.");
    }
  }
}
