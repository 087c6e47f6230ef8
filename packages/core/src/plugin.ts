/**
 * The plugin interface: one plain object per plugin, usually made by a factory that takes the plugin's own
 * options (`webSocketsPlugin({ maxMessageSize })`). See packages/core/README.md for a complete example.
 *
 * Order for one `MiniflareCore` instance:
 *
 *     setup ─► beforeReload ─► (script runs) ─► reload      first load
 *              beforeReload ─► (script runs) ─► reload      every reload() / file change
 *     setup ─► beforeReload ─► (script runs) ─► reload      setOptions()
 *     dispose                                              dispose(), in reverse registration order
 *
 * Every hook may be async and is awaited; hooks of different plugins run one after another in registration
 * order (dispose: reverse order). An error thrown by a hook becomes a `PluginError` naming the plugin and
 * the hook.
 */
import type { Compatibility } from "./compatibility.js";
import type { Log } from "./log.js";
import type { PluginOptionChecks } from "./plugin-options.js";
import type { WorkersRequestInit } from "./standards/request.js";
import type { Response } from "./standards/response.js";
import type { RequestInfo } from "./standards/types.js";
import type { WorkerRealm } from "./worker-realm.js";

export type Awaitable<T> = T | Promise<T>;

/**
 * What every hook receives: one object per plugin and instance (a new one after `setOptions()`), which a
 * plugin may keep and use outside its hooks, while a request is served.
 */
export interface PluginContext {
  /** This plugin's name. */
  readonly name: string;
  /** The instance's log; every line this plugin writes is marked `[name]`. */
  readonly log: Log;
  /** The worker's compatibility date and flags: `ctx.compatibility.isEnabled("flag_name")`. */
  readonly compatibility: Compatibility;
  /** The folder module paths and rules are relative to. */
  readonly rootPath: string;
  /**
   * Hands values to the worker of the instance's current load as the runtime would have made them there:
   * Node's `Response`/`Request` as the Workers classes, promises and errors as the worker's (README,
   * "Values handed to the worker").
   */
  readonly realm: WorkerRealm;
  /** Checks of this plugin's options; what they throw is an `ERR_INVALID_OPTION` naming the plugin. */
  readonly options: PluginOptionChecks;
  /**
   * Sends a request to the worker, as `MiniflareCore#dispatchFetch` does: for a plugin that makes events of
   * its own (a cron trigger, a queue). It waits for the current load, so never call it from a hook of the
   * load in progress (it would wait for itself): call it later, from a timer or a request.
   */
  dispatchFetch(input?: RequestInfo, init?: WorkersRequestInit): Promise<Response>;
}

/** What `setup` receives in addition. */
export interface SetupContext extends PluginContext {
  /**
   * For a global this plugin lists in `overrides`: the value it has so far, from core or an earlier plugin
   * (`undefined` if none gives it), so that an override can wrap what it replaces. Two plugins that both
   * override `fetch` this way chain, rather than the last one silently winning.
   */
  previous(global: string): unknown;
}

/** What `setup` may contribute. */
export interface SetupResult {
  /** Added to the worker's global scope, e.g. `{ WebSocketPair }`. */
  globals?: Record<string, unknown>;
  /** Added to `env` (modules format) or to the global scope (service-worker format). */
  bindings?: Record<string, unknown>;
  /**
   * Built-in modules the worker can import, by specifier: `{ "cloudflare:sockets": { connect } }`. Each value
   * is a plain object of the module's named exports (`default` for its default export); `import`,
   * `import()` and `require()` of the specifier resolve to it, in every load until `setup` runs again.
   * Core itself provides `cloudflare:workers`.
   */
  modules?: Record<string, Record<string, unknown>>;
}

/** What `beforeReload` and `reload` receive in addition. */
export interface ReloadContext extends PluginContext {
  /** The global scope of the load in progress; in `beforeReload` the script has not run yet. */
  readonly globalScope: Record<string, unknown>;
  /** The bindings the worker receives. */
  readonly bindings: Readonly<Record<string, unknown>>;
  /** True on the first load of this instance. */
  readonly initial: boolean;
  /**
   * The entry module's exports once the script ran (so in `reload`; empty in `beforeReload` and for a
   * service worker): how a plugin finds the classes a worker exports, e.g. its Durable Object classes.
   */
  readonly exports: Readonly<Record<string, unknown>>;
}

/**
 * A plugin: a name and hooks. Anything a plugin offers the code that made it (its own tests, the package
 * that composes it) goes in `api`, so that every other key is part of the interface: a misspelled hook is a
 * type error in `definePlugin()` and, at construction, an `ERR_INVALID_PLUGIN`.
 */
export interface Plugin<Api = unknown> {
  /** Required, unique per instance; appears in every error about the plugin. */
  readonly name: string;
  /**
   * Globals (or built-in module specifiers) this plugin deliberately replaces when an earlier plugin also
   * contributes them, e.g. the web-sockets plugin's upgrading `fetch` over core's. Any other duplicate is an
   * `ERR_GLOBAL_CONFLICT` (`ERR_MODULE_CONFLICT` for a module).
   */
  readonly overrides?: readonly string[];
  /** What the plugin offers the code that made it, e.g. `{ namespace(name) }` for tests. */
  readonly api?: Api;
  /** Contributes globals, bindings and built-in modules; runs on the first load and again after `setOptions()`. */
  setup?(ctx: SetupContext): Awaitable<SetupResult | void>;
  /** Before the script runs, on every load: close what the previous load left open here. */
  beforeReload?(ctx: ReloadContext): Awaitable<void>;
  /** After the script ran, on every load. */
  reload?(ctx: ReloadContext): Awaitable<void>;
  /** On `dispose()`, in reverse registration order: release everything. */
  dispose?(ctx: PluginContext): Awaitable<void>;
}

/** The hooks the runner calls, in the order of a first load (dispose last). */
export const PLUGIN_HOOKS = ["setup", "beforeReload", "reload", "dispose"] as const;

/** Every key a plugin object may have; a function under any other key is a misspelled hook. */
export const PLUGIN_KEYS: readonly string[] = ["name", "overrides", "api", ...PLUGIN_HOOKS];

/**
 * Checks a plugin object against `Plugin` without widening excess-property checks: `definePlugin({ name,
 * setpu() {} })` does not compile (an inferred object type would accept any extra key). What the plugin
 * offers its creator goes in `api`, whose type is inferred.
 */
export function definePlugin<Api = never>(plugin: Plugin<Api>): Plugin<Api> {
  return plugin;
}
