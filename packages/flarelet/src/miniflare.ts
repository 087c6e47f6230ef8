/**
 * `Miniflare`: `MiniflareCore` with every first-party plugin (web-sockets, http-server), flat options as in
 * Miniflare 2, configuration from wrangler.toml and .env, and file watching.
 *
 *     new Miniflare(options)
 *       ├─ resolveConfig: options > .env > wrangler.toml          (config/resolve.ts)
 *       ├─ plugins: core, web-sockets, http-server, durable-objects, ...options.plugins
 *       └─ watch: reload on a change to the worker's files or the config files  (watch.ts)
 */
import { Log, MiniflareCore, ReloadEvent, type Response, type WorkersRequestInit } from "@flarelet/core";
import {
  createServer as createHttpServer,
  httpServerPlugin,
  startServer as startHttpServer,
  type CreateServerOptions,
  type Server,
} from "@flarelet/http-server";
import {
  durableObjectsPlugin,
  type DurableObjectBinding,
  type DurableObjectId,
  type DurableObjectMigration,
  type DurableObjectNamespace,
  type DurableObjectsPlugin,
  type DurableObjectState,
  type DurableObjectStorage,
  type EvictionOptions,
} from "@flarelet/durable-objects";
import { webSocketsPlugin, type WebSocket } from "@flarelet/web-sockets";
import path from "node:path";
import { runBuild, runBuildSync } from "./build.js";
import { resolveConfig, type ResolvedConfig } from "./config/resolve.js";
import { FIXED_OPTIONS, invalid, validateOwnOptions, type MiniflareOptions } from "./options.js";
import { Watcher } from "./watch.js";

/** One debug line for the configuration keys flarelet does not use, as wrangler warns about unknown ones. */
function logIgnoredKeys(log: Log, config: ResolvedConfig): void {
  const ignored = config.wrangler?.ignoredKeys ?? [];
  if (ignored.length > 0) log.debug(`${config.wrangler!.file}: not used by flarelet: ${ignored.join(", ")}`);
}

/** A response from `dispatchFetch`, with `webSocket` typed as the web-sockets package's `WebSocket`. */
export type MiniflareResponse = Response & { readonly webSocket: WebSocket | null };

/** What `setOptions` accepts: everything except the options fixed at construction. */
export type MiniflareSetOptions = Omit<MiniflareOptions, (typeof FIXED_OPTIONS)[number]>;

/** The configuration an instance resolved (for the CLI's banner), set in the static block. */
let configOf: (mf: Miniflare) => ResolvedConfig;
export function resolvedConfig(mf: Miniflare): ResolvedConfig {
  return configOf(mf);
}

export class Miniflare extends MiniflareCore {
  static {
    configOf = (mf) => mf.#config;
  }

  #options: MiniflareOptions;
  #config: ResolvedConfig;
  readonly #watcher: Watcher | undefined;
  readonly #durableObjects: DurableObjectsPlugin;

  constructor(options: MiniflareOptions = {}) {
    validateOwnOptions(options);
    const config = resolveConfig(options);
    // Options win over wrangler's durable_objects and migrations, as flags win over the config elsewhere.
    const durableObjects = durableObjectsPlugin({
      durableObjects: options.durableObjects ?? wranglerDurableObjects(config),
      durableObjectsPersist: options.durableObjectsPersist,
      durableObjectsMigrations: options.durableObjectsMigrations ?? (config.wrangler?.migrations as DurableObjectMigration[] | undefined),
      durableObjectsHibernateAfter: options.durableObjectsHibernateAfter,
    });
    const plugins = [
      webSocketsPlugin({ maxMessageSize: options.maxMessageSize, maxBufferedAmount: options.maxBufferedAmount }),
      httpServerPlugin({ port: options.port, host: options.host, https: options.https }),
      durableObjects,
      ...(options.plugins ?? []),
    ];
    const log = options.log ?? new Log();
    logIgnoredKeys(log, config);
    if (config.build !== undefined) {
      // Before the first load, which the constructor starts: so it runs synchronously. A failure is logged,
      // and the load then shows what is (or is not) there; under watch, fixing the sources rebuilds.
      try {
        runBuildSync(config.build, log);
      } catch (error) {
        log.error(error);
      }
    }
    super({ ...config.core, log, plugins });
    this.#durableObjects = durableObjects;
    this.#options = options;
    this.#config = config;

    if (options.watch === true) {
      const watcher = new Watcher({
        log: this.log,
        // A change to wrangler.toml or .env re-reads them (and runs every plugin's setup again).
        reload: (configChanged) => (configChanged ? this.setOptions({}) : this.reload()),
      });
      // Until the first load reports its modules (or if it fails), watch at least the script itself.
      const scriptPath = this.scriptPath;
      watcher.setWorkerFiles(scriptPath === undefined ? [] : [scriptPath]);
      watcher.setConfigFiles(config.configFiles);
      watcher.setWatchDirs(config.build?.watchDirs ?? []);
      this.addEventListener("reload", (event) => {
        if (event instanceof ReloadEvent) watcher.setWorkerFiles(event.files);
      });
      this.#watcher = watcher;
    }
  }

  /**
   * Dispatches a request to the worker (default URL http://localhost:8787/). Core types `webSocket` as an
   * opaque handle, since it knows no plugin; with web-sockets registered here it is always a `WebSocket`.
   */
  override dispatchFetch(input?: Parameters<MiniflareCore["dispatchFetch"]>[0], init?: WorkersRequestInit): Promise<MiniflareResponse> {
    return super.dispatchFetch(input, init) as Promise<MiniflareResponse>;
  }

  /** The worker's script file (absolute), from `scriptPath` or wrangler.toml `main`; undefined for an inline `script`. */
  get scriptPath(): string | undefined {
    const { scriptPath, rootPath } = this.#config.core;
    return scriptPath === undefined ? undefined : path.resolve(rootPath ?? process.cwd(), scriptPath);
  }

  /** The files being watched (empty without `watch`). */
  get watchedFiles(): string[] {
    return this.#watcher?.files ?? [];
  }

  /**
   * Merges `options` into the current ones, reads wrangler.toml and .env again, and reloads. The plugins'
   * options (`port`, `host`, `https`, `maxMessageSize`, `maxBufferedAmount`), `plugins`, `log` and `watch`
   * are fixed for the life of the instance.
   */
  override async setOptions(options: MiniflareSetOptions): Promise<void> {
    for (const key of FIXED_OPTIONS) {
      if (key in options) throw invalid(`Option "${key}" is fixed for the life of a Miniflare instance; create a new one to change it.`);
    }
    const next = { ...this.#options, ...options };
    validateOwnOptions(next);
    const config = resolveConfig(next);
    this.#options = next;
    this.#config = config;
    this.#watcher?.setConfigFiles(config.configFiles);
    this.#watcher?.setWatchDirs(config.build?.watchDirs ?? []);
    logIgnoredKeys(this.log, config);
    if (config.build !== undefined) await runBuild(config.build, this.log);
    return super.setOptions(config.core);
  }

  /** Runs the custom build, if there is one, then reads the script again and loads it. */
  override async reload(): Promise<void> {
    if (this.#config.build !== undefined) await runBuild(this.#config.build, this.log);
    return super.reload();
  }

  /** The Durable Object namespace bound as `binding`, for tests (Miniflare 2's hook). */
  async getDurableObjectNamespace(binding: string): Promise<DurableObjectNamespace> {
    await this.getGlobalScope();
    return this.#durableObjects.api.getNamespace(binding);
  }

  /** The storage of object `id` (an id from `getDurableObjectNamespace()`), for tests (Miniflare 2's hook). */
  async getDurableObjectStorage(id: DurableObjectId): Promise<DurableObjectStorage> {
    await this.getGlobalScope();
    return this.#durableObjects.api.getStorage(id);
  }

  /**
   * Runs `callback(instance, state)` inside object `id` (an event through its input gate; the object is
   * constructed first if need be) and resolves with its result, for tests (`runInDurableObject()`).
   */
  async runInDurableObject<R>(
    id: DurableObjectId,
    callback: (instance: Record<string, unknown>, state: DurableObjectState) => R | Promise<R>,
  ): Promise<Awaited<R>> {
    await this.getGlobalScope();
    return this.#durableObjects.api.runInObject(id, callback);
  }

  /** The ids of namespace `binding`'s objects that have storage, for tests (`listDurableObjectIds()`). */
  async listDurableObjectIds(binding: string): Promise<DurableObjectId[]> {
    await this.getGlobalScope();
    return this.#durableObjects.api.listIds(binding);
  }

  /**
   * Evicts object `id` as workerd's test eviction does: once no event of the object is in flight (at most
   * 30 s, then it rejects), its instance is dropped; the next event constructs the class again, storage
   * stays. Its hibernatable WebSockets hibernate (stay open), or are dropped with `webSockets: "close"`.
   * Resolves false if no instance was alive. Without `id`, every live object.
   */
  async evictDurableObject(id?: DurableObjectId, options: EvictionOptions = {}): Promise<boolean> {
    await this.getGlobalScope();
    return await this.#durableObjects.api.evictWhenSettled(id, options);
  }

  /**
   * Tears down every Durable Object's instance at once, in the middle of whatever it is doing, and drops its
   * hibernatable WebSockets (the clients see 1006), as workerd's `abortAllDurableObjects()`; storage stays.
   * For tests.
   */
  async abortAllDurableObjects(): Promise<void> {
    await this.getGlobalScope();
    this.#durableObjects.api.evictAll({ webSockets: "close" });
  }

  /**
   * Hibernates at once every Durable Object that may (nothing in flight, no timer, no WebSocket but
   * hibernatable ones), or only those of `ids`, instead of waiting `durableObjectsHibernateAfter`: each
   * drops its instance, its hibernatable WebSockets stay open, and its next event constructs it again.
   * Resolves to how many hibernated. For tests.
   */
  async hibernateDurableObjects(ids?: readonly DurableObjectId[]): Promise<number> {
    await this.getGlobalScope();
    return await this.#durableObjects.api.hibernateDurableObjects(ids);
  }

  /** A node:http(s) server for this worker, not yet listening (options default to the instance's). */
  createServer(options?: CreateServerOptions): Promise<Server> {
    return createHttpServer(this, options);
  }

  /** Like `createServer`, and listening on `host:port`; resolves once it listens. */
  startServer(options?: CreateServerOptions): Promise<Server> {
    return startHttpServer(this, options);
  }

  /** Stops watching, then disposes every plugin (servers closed, WebSockets closed with 1001). */
  override dispose(): Promise<void> {
    this.#watcher?.close();
    return super.dispose();
  }
}

/** wrangler's `durable_objects.bindings` as the plugin's option; another worker's class (`script_name`) is refused. */
function wranglerDurableObjects(config: ResolvedConfig): Record<string, DurableObjectBinding> | undefined {
  const bindings = config.wrangler?.durableObjects;
  if (bindings === undefined) return undefined;
  const out: Record<string, DurableObjectBinding> = {};
  for (const { name, className, scriptName } of bindings) {
    if (scriptName !== undefined) {
      throw invalid(`${config.wrangler!.file}: durable_objects binding "${name}" names script_name "${scriptName}"; flarelet runs one worker and binds only its own classes.`);
    }
    out[name] = className;
  }
  return out;
}
