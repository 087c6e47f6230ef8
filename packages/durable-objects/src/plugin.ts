/**
 * `durableObjectsPlugin(options)`: a namespace binding per configured class, objects constructed from the
 * worker's exported classes, storage kept across reloads (and, persisted, across restarts).
 *
 *     setup         namespaces become bindings (env.COUNTER), the global WebSocketRequestResponsePair; storage
 *                   opened lazily, kept for the plugin's life
 *     reload        the new load's classes take over; old instances are dropped (their sockets close 1012)
 *     dispose       alarms stop, databases close
 *
 * Objects hibernate after `durableObjectsHibernateAfter` ms idle (hibernation/idle.ts); `api` offers
 * `hibernateDurableObjects()` to do it at once, for tests.
 */
import path from "node:path";
import { enableRequestContext, type Plugin, type PluginContext, type ReloadContext } from "@flarelet/core";
import { WebSocketRequestResponsePair } from "./hibernation/response-pair.js";
import type { DurableObjectId } from "./ids.js";
import { LoadedWorker, type NamespaceConfig } from "./load.js";
import { EVICT_TIMEOUT_MS, evictWebSockets, evictWhenSettled, type EvictionOptions } from "./eviction.js";
import { DurableObjectNamespace } from "./namespace.js";
import { DEFAULT_PERSIST_FOLDER, resolveHibernateAfter, resolveNamespaces, type DurableObjectsOptions } from "./options.js";
import { ObjectRegistry } from "./registry.js";
import type { DurableObjectStorage } from "./storage/storage.js";
import type { DurableObjectState } from "./state.js";
import { StorePool } from "./storage/store-pool.js";

/** What the plugin offers the code that made it (`plugin.api`): Miniflare's test hooks use it. */
export interface DurableObjectsApi {
  /** The namespace bound as `binding` (Miniflare's `getDurableObjectNamespace`). */
  getNamespace(binding: string): DurableObjectNamespace;
  /** The storage of the object `id` (an id from one of this plugin's namespaces). */
  getStorage(id: DurableObjectId): DurableObjectStorage;
  /** Where storage is persisted, or undefined when it is kept in memory. */
  readonly persistFolder: string | undefined;
  /**
   * Runs `callback(instance, state)` as an event of object `id` (through its input gate, constructing it
   * first if need be) and resolves with what it returns: `runInDurableObject()` of `cloudflare:test`.
   */
  runInObject<R>(id: DurableObjectId, callback: (instance: Record<string, unknown>, state: DurableObjectState) => R | Promise<R>): Promise<Awaited<R>>;
  /** The ids of the objects of namespace `binding` that have storage (in memory or on disk), sorted. */
  listIds(binding: string): DurableObjectId[];
  /**
   * Drops object `id`'s instance at once, whatever it is doing (its next event constructs the class again);
   * false if none was alive. Its hibernatable WebSockets hibernate (stay open), or are dropped with
   * `webSockets: "close"`.
   */
  evict(id: DurableObjectId, options?: EvictionOptions): boolean;
  /** Drops every live instance, as `evict` does; storage stays. */
  evictAll(options?: EvictionOptions): void;
  /**
   * Evicts as workerd's test eviction does (`evictDurableObject()` of `cloudflare:test`): once no event of the
   * object (or, without `id`, of any live object) is in flight, then at once. Rejects, as workerd does, if
   * events are still in flight after `timeout` ms (30 s). Resolves false if `id` had no instance.
   */
  evictWhenSettled(id: DurableObjectId | undefined, options?: EvictionOptions & { timeout?: number }): Promise<boolean>;
  /**
   * Hibernates every object that may hibernate now (nothing in flight, no timer, no WebSocket but
   * hibernatable ones), or only those of `ids`, without waiting for `durableObjectsHibernateAfter`: each
   * drops its instance, its hibernatable WebSockets stay open, and its next event constructs it again.
   * Resolves to how many hibernated.
   */
  hibernateDurableObjects(ids?: readonly DurableObjectId[]): Promise<number>;
  /** Whether object `id` has an instance in memory now (false before its first event and while hibernated). */
  isDurableObjectInMemory(id: DurableObjectId): boolean;
}

export type DurableObjectsPlugin = Plugin<DurableObjectsApi> & { readonly name: "durable-objects"; readonly api: DurableObjectsApi };

export function durableObjectsPlugin(options: DurableObjectsOptions = {}): DurableObjectsPlugin {
  const configs = resolveNamespaces(options);
  const hibernateAfter = resolveHibernateAfter(options);
  let registry: ObjectRegistry | undefined;
  const namespaces = new Map<string, DurableObjectNamespace>();
  const idOwners = new WeakMap<DurableObjectId, NamespaceConfig>();

  const open = (ctx: PluginContext): ObjectRegistry => {
    if (registry !== undefined) return registry;
    const persist = options.durableObjectsPersist;
    const folder = persist === undefined || persist === false
      ? undefined
      : path.resolve(ctx.rootPath, persist === true ? DEFAULT_PERSIST_FOLDER : persist);
    registry = new ObjectRegistry(new StorePool(folder), configs, hibernateAfter);
    // To know what keeps an object awake (timers, sockets its events start), events must be tracked
    // across awaits even in a worker that never imports cloudflare:workers.
    if (configs.length > 0) enableRequestContext();
    for (const config of configs) namespaces.set(config.binding, new DurableObjectNamespace(config, registry, idOwners));
    return registry;
  };

  const api: DurableObjectsApi = {
    get persistFolder() {
      return registry?.pool.folder;
    },
    getNamespace(binding: string): DurableObjectNamespace {
      const namespace = namespaces.get(binding);
      if (namespace === undefined) {
        throw new TypeError(`"${binding}" is not a Durable Object namespace binding (bound: ${[...namespaces.keys()].join(", ") || "none"}).`);
      }
      return namespace;
    },
    getStorage(id: DurableObjectId): DurableObjectStorage {
      const { registry, config } = owner(id, "getDurableObjectStorage()");
      return registry.host(config, id).storage;
    },
    runInObject<R>(id: DurableObjectId, callback: (instance: Record<string, unknown>, state: DurableObjectState) => R | Promise<R>) {
      const { registry, config } = owner(id, "runInDurableObject()");
      return registry.host(config, id).deliver(callback, "runInDurableObject()") as Promise<Awaited<R>>;
    },
    listIds(binding) {
      const namespace = api.getNamespace(binding);
      const config = registry!.namespaces.get(binding)!;
      return registry!.pool.ids(config.storageName).map((hex) => namespace.idFromString(hex));
    },
    evict(id, options = {}) {
      const webSockets = evictWebSockets(options);
      const { registry, config } = owner(id, "evictDurableObject()");
      return registry.existingHost(config, id)?.evict(webSockets) ?? false;
    },
    evictAll(options = {}) {
      const webSockets = evictWebSockets(options);
      for (const host of registry?.hosts ?? []) host.evict(webSockets);
    },
    async evictWhenSettled(id, options = {}) {
      const webSockets = evictWebSockets(options);
      const hosts = id === undefined ? [...(registry?.hosts ?? [])] : (() => {
        const { registry, config } = owner(id, "evictDurableObject()");
        const host = registry.existingHost(config, id);
        return host === undefined ? [] : [host];
      })();
      const timeout = options.timeout ?? EVICT_TIMEOUT_MS;
      const evicted = await Promise.all(hosts.filter((host) => host.constructed).map((host) => evictWhenSettled(host, webSockets, timeout)));
      return evicted.includes(true);
    },
    async hibernateDurableObjects(ids?: readonly DurableObjectId[]): Promise<number> {
      if (registry === undefined) return 0;
      const hosts = ids === undefined ? registry.hosts : ids.flatMap((id) => {
        const { config } = owner(id, "hibernateDurableObjects()");
        const host = registry!.existingHost(config, id);
        return host === undefined ? [] : [host];
      });
      return hosts.filter((host) => host.hibernate()).length;
    },
    isDurableObjectInMemory(id: DurableObjectId): boolean {
      const config = idOwners.get(id);
      if (config === undefined || registry === undefined) return false;
      return registry.existingHost(config, id)?.constructed ?? false;
    },
  };

  /** The namespace that made `id`, for a hook that needs one of this plugin's ids. */
  const owner = (id: DurableObjectId, hook: string): { registry: ObjectRegistry; config: NamespaceConfig } => {
    const config = idOwners.get(id);
    if (config === undefined || registry === undefined) {
      throw new TypeError(`${hook} needs an id made by one of this instance's namespaces.`);
    }
    return { registry, config };
  };

  return {
    name: "durable-objects",
    api,
    setup(ctx) {
      open(ctx);
      // A global of every worker in workerd, for ctx.setWebSocketAutoResponse().
      return { bindings: Object.fromEntries(namespaces), globals: { WebSocketRequestResponsePair } };
    },
    reload(ctx: ReloadContext) {
      const global = ctx.globalScope as { Object: ObjectConstructor };
      open(ctx).attach(
        new LoadedWorker({
          exports: ctx.exports,
          // The objects' env: the worker's bindings, in an object of its realm.
          env: Object.assign(new global.Object(), ctx.bindings) as Record<string, unknown>,
          globalScope: ctx.globalScope,
          compatibility: ctx.compatibility,
          log: ctx.log,
        }),
      );
    },
    dispose() {
      registry?.close();
    },
  };
}
