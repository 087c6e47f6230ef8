/**
 * The context each plugin's hooks receive (plugin.ts says what is in it). One per plugin and instance, made
 * again when `setup` runs again (`setOptions()`), since the compatibility date or root may have changed.
 */
import type { Compatibility } from "./compatibility.js";
import { Log, type Colour, type LogLevel } from "./log.js";
import type { Plugin, PluginContext } from "./plugin.js";
import { pluginOptions } from "./plugin-options.js";
import type { WorkersRequestInit } from "./standards/request.js";
import type { Response } from "./standards/response.js";
import type { RequestInfo } from "./standards/types.js";
import type { WorkerRealm } from "./worker-realm.js";

/** What every plugin's context shares: the instance's. */
export interface InstanceServices {
  readonly log: Log;
  readonly realm: WorkerRealm;
  dispatchFetch(input?: RequestInfo, init?: WorkersRequestInit): Promise<Response>;
}

/** What a round of `setup` shares: the options in effect. */
export interface LoadSettings {
  readonly compatibility: Compatibility;
  readonly rootPath: string;
}

/** A plugin's log: the instance's, with `[name]` after the level tag of each line the plugin writes. */
class PluginLog extends Log {
  readonly #base: Log;
  readonly #mark: string;

  constructor(base: Log, name: string) {
    super(base.level, { colour: base.coloured, write: () => {} });
    this.#base = base;
    this.#mark = `[${name}] `;
  }

  override colour(name: Colour, text: string): string {
    return this.#base.colour(name, text);
  }

  override log(message: string): void {
    this.#base.log(message);
  }

  override logWithLevel(level: Exclude<LogLevel, LogLevel.NONE>, message: string): void {
    this.#base.logWithLevel(level, this.#mark + message);
  }
}

/** The instance's services for each plugin, with the plugin's own log (made once, kept across setups). */
export class PluginContexts {
  readonly #services: InstanceServices;
  readonly #logs = new WeakMap<Plugin, Log>();
  #contexts = new WeakMap<Plugin, PluginContext>();

  constructor(services: InstanceServices) {
    this.#services = services;
  }

  /** Makes every plugin's context anew for `settings` (before a round of `setup`). */
  reset(plugins: readonly Plugin[], settings: LoadSettings): void {
    this.#contexts = new WeakMap();
    for (const plugin of plugins) this.#contexts.set(plugin, this.#create(plugin, settings));
  }

  /** `plugin`'s context; `reset` must have run. */
  of(plugin: Plugin): PluginContext {
    return this.#contexts.get(plugin)!;
  }

  #create(plugin: Plugin, settings: LoadSettings): PluginContext {
    const services = this.#services;
    let log = this.#logs.get(plugin);
    if (log === undefined) this.#logs.set(plugin, (log = new PluginLog(services.log, plugin.name)));
    return Object.freeze({
      name: plugin.name,
      log,
      compatibility: settings.compatibility,
      rootPath: settings.rootPath,
      realm: services.realm,
      options: pluginOptions(plugin.name),
      dispatchFetch: (input?: RequestInfo, init?: WorkersRequestInit) => services.dispatchFetch(input, init),
    });
  }
}
