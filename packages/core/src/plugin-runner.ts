/**
 * Runs plugin hooks with the semantics written down in plugin.ts, in one place:
 * - `hookSequential`: each plugin's hook in registration order, each awaited before the next;
 * - `hookReverse`: the same in reverse registration order (dispose);
 * - `setup` merges contributed globals, bindings and built-in modules, refusing undeclared duplicates, and
 *   gives each plugin the value of what it overrides (`ctx.previous`).
 */
import { FlareletError, PluginError, type PluginHookName } from "./errors.js";
import type { Plugin, PluginContext, SetupContext, SetupResult } from "./plugin.js";
import { validatePlugins } from "./plugin-validation.js";

export interface MergedSetup {
  globals: Record<string, unknown>;
  bindings: Record<string, unknown>;
  /** Built-in module specifier → the plain object of its exports. */
  modules: Map<string, Record<string, unknown>>;
}

/** Names the runtime defines itself, each with its owner ("core"): plugins cannot contribute them. */
export interface ReservedNames {
  globals: ReadonlyMap<string, string>;
  modules: ReadonlyMap<string, string>;
}

/** The context each plugin's hook receives. */
export type ContextOf = (plugin: Plugin) => PluginContext;

export class PluginRunner {
  readonly plugins: readonly Plugin[];

  constructor(plugins: readonly Plugin[]) {
    validatePlugins(plugins);
    this.plugins = plugins;
  }

  /** Runs every `setup` and merges the results. `reserved` maps names the runtime defines to their owner. */
  async setup(contextOf: ContextOf, reserved: ReservedNames): Promise<MergedSetup> {
    const globals: Record<string, unknown> = {};
    const bindings: Record<string, unknown> = {};
    const modules = new Map<string, Record<string, unknown>>();
    const globalOwners = new Map(reserved.globals);
    const bindingOwners = new Map<string, string>();
    const moduleOwners = new Map(reserved.modules);
    const setupContextOf = (plugin: Plugin): SetupContext => ({
      ...contextOf(plugin),
      previous(global: string): unknown {
        if (!plugin.overrides?.includes(global)) {
          throw new FlareletError(
            "ERR_INVALID_PLUGIN",
            `Plugin "${plugin.name}": previous("${global}") is for the globals a plugin overrides; add "${global}" to its overrides.`,
          );
        }
        return globals[global];
      },
    });
    await this.hookSequential("setup", setupContextOf, (plugin, result) => {
      const { globals: pluginGlobals = {}, bindings: pluginBindings = {}, modules: pluginModules = {} } = (result ?? {}) as SetupResult;
      for (const [name, value] of Object.entries(pluginGlobals)) {
        const owner = globalOwners.get(name);
        if (owner !== undefined && !plugin.overrides?.includes(name)) {
          throw new FlareletError(
            "ERR_GLOBAL_CONFLICT",
            `Plugins "${owner}" and "${plugin.name}" both contribute the global "${name}". ` +
              `If "${plugin.name}" means to replace it, list it in its overrides: ["${name}"].`,
          );
        }
        globalOwners.set(name, plugin.name);
        globals[name] = value;
      }
      for (const [name, value] of Object.entries(pluginBindings)) {
        const owner = bindingOwners.get(name);
        if (owner !== undefined) {
          throw new FlareletError(
            "ERR_BINDING_CONFLICT",
            `Plugins "${owner}" and "${plugin.name}" both contribute the binding "${name}".`,
          );
        }
        bindingOwners.set(name, plugin.name);
        bindings[name] = value;
      }
      for (const [specifier, exports] of Object.entries(pluginModules)) {
        if (typeof exports !== "object" || exports === null) {
          throw new FlareletError(
            "ERR_INVALID_PLUGIN",
            `Plugin "${plugin.name}": setup() returned modules["${specifier}"] that is not an object of exports.`,
          );
        }
        const owner = moduleOwners.get(specifier);
        if (owner !== undefined && !plugin.overrides?.includes(specifier)) {
          throw new FlareletError(
            "ERR_MODULE_CONFLICT",
            `Plugins "${owner}" and "${plugin.name}" both contribute the module "${specifier}". ` +
              `If "${plugin.name}" means to replace it, list it in its overrides: ["${specifier}"].`,
          );
        }
        moduleOwners.set(specifier, plugin.name);
        modules.set(specifier, exports);
      }
    });
    return { globals, bindings, modules };
  }

  /** Each plugin's `hook`, in registration order, each awaited before the next. */
  async hookSequential(
    hook: PluginHookName,
    contextOf: ContextOf,
    onResult?: (plugin: Plugin, result: unknown) => void,
  ): Promise<void> {
    for (const plugin of this.plugins) await runHook(plugin, hook, contextOf(plugin), onResult);
  }

  /**
   * Each plugin's `hook` in reverse registration order. Every plugin gets its turn even if an earlier one
   * fails, so that nothing is left open; the first failure is thrown at the end.
   */
  async hookReverse(hook: PluginHookName, contextOf: ContextOf): Promise<void> {
    let failure: unknown;
    for (const plugin of [...this.plugins].reverse()) {
      try {
        await runHook(plugin, hook, contextOf(plugin), undefined);
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
  }
}

async function runHook(
  plugin: Plugin,
  hook: PluginHookName,
  ctx: PluginContext,
  onResult: ((plugin: Plugin, result: unknown) => void) | undefined,
): Promise<void> {
  const fn = plugin[hook] as ((ctx: PluginContext) => unknown) | undefined;
  if (fn === undefined) return;
  let result: unknown;
  try {
    result = await fn.call(plugin, ctx);
  } catch (error) {
    throw new PluginError(plugin.name, hook, error);
  }
  onResult?.(plugin, result);
}
