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

export type Awaitable<T> = T | Promise<T>;

/** What every hook receives. */
export interface PluginContext {
  /** The instance's log. Prefix your lines with your plugin's name. */
  readonly log: Log;
  /** The worker's compatibility date and flags: `ctx.compatibility.isEnabled("flag_name")`. */
  readonly compatibility: Compatibility;
  /** The folder module paths and rules are relative to. */
  readonly rootPath: string;
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

export interface Plugin {
  /** Required, unique per instance; appears in every error about the plugin. */
  readonly name: string;
  /**
   * Globals (or built-in module specifiers) this plugin deliberately replaces when an earlier plugin also
   * contributes them, e.g. the web-sockets plugin's upgrading `fetch` over core's. Any other duplicate is an
   * `ERR_GLOBAL_CONFLICT` (`ERR_MODULE_CONFLICT` for a module).
   */
  readonly overrides?: readonly string[];
  /** Contributes globals, bindings and built-in modules; runs on the first load and again after `setOptions()`. */
  setup?(ctx: PluginContext): Awaitable<SetupResult | void>;
  /** Before the script runs, on every load: close what the previous load left open here. */
  beforeReload?(ctx: ReloadContext): Awaitable<void>;
  /** After the script ran, on every load. */
  reload?(ctx: ReloadContext): Awaitable<void>;
  /** On `dispose()`, in reverse registration order: release everything. */
  dispose?(ctx: PluginContext): Awaitable<void>;
}

/** Identity helper: `definePlugin({ … })` checks the object against `Plugin` and keeps its exact type. */
export function definePlugin<P extends Plugin>(plugin: P): P {
  return plugin;
}
