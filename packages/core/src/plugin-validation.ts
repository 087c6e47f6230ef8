/**
 * Checks plugin objects when an instance is made, so that a malformed plugin fails at once with a message
 * that says how to fix it (`ERR_INVALID_PLUGIN`), rather than being half-ignored: a misspelled hook
 * (`setpu`, `reloaded`) would otherwise never run, silently.
 */
import { FlareletError } from "./errors.js";
import { PLUGIN_HOOKS, PLUGIN_KEYS, type Plugin } from "./plugin.js";

export function validatePlugins(plugins: readonly Plugin[]): void {
  const names = new Set<string>();
  for (const [index, plugin] of plugins.entries()) {
    if (typeof plugin !== "object" || plugin === null) {
      throw new FlareletError("ERR_INVALID_PLUGIN", `plugins[${index}] is not a plugin object.`);
    }
    if (typeof plugin.name !== "string" || plugin.name === "") {
      throw new FlareletError("ERR_INVALID_PLUGIN", `plugins[${index}] has no name; every plugin needs a unique name.`);
    }
    if (names.has(plugin.name)) {
      throw new FlareletError("ERR_INVALID_PLUGIN", `Two plugins are named "${plugin.name}"; plugin names must be unique.`);
    }
    names.add(plugin.name);
    for (const hook of PLUGIN_HOOKS) {
      if (plugin[hook] !== undefined && typeof plugin[hook] !== "function") {
        throw new FlareletError("ERR_INVALID_PLUGIN", `Plugin "${plugin.name}": ${hook} must be a function.`);
      }
    }
    if (plugin.overrides !== undefined && !(Array.isArray(plugin.overrides) && plugin.overrides.every((name) => typeof name === "string"))) {
      throw new FlareletError("ERR_INVALID_PLUGIN", `Plugin "${plugin.name}": overrides must be an array of global names.`);
    }
    const unknown = unknownMethod(plugin);
    if (unknown !== undefined) {
      const guess = closestHook(unknown);
      throw new FlareletError(
        "ERR_INVALID_PLUGIN",
        `Plugin "${plugin.name}" has a method "${unknown}", which is not a hook (hooks: ${PLUGIN_HOOKS.join(", ")})` +
          `${guess === undefined ? "." : `; did you mean "${guess}"?`} Put what the plugin offers its users in \`api\`.`,
      );
    }
  }
}

/**
 * The first function a plugin has under a key that is not part of the interface, on the object or its
 * prototypes (a plugin may be a class instance). Getters are not called, and data that is not a function
 * is allowed (first-party plugins expose read-only figures that way).
 */
function unknownMethod(plugin: object): string | undefined {
  for (let object: object | null = plugin; object !== null && object !== Object.prototype; object = Object.getPrototypeOf(object)) {
    for (const key of Object.getOwnPropertyNames(object)) {
      if (key === "constructor" || PLUGIN_KEYS.includes(key)) continue;
      const descriptor = Object.getOwnPropertyDescriptor(object, key);
      if (descriptor !== undefined && "value" in descriptor && typeof descriptor.value === "function") return key;
    }
  }
  return undefined;
}

/** The hook `name` most likely meant to be: at most a third of its letters apart, case aside. */
function closestHook(name: string): string | undefined {
  let best: { hook: string; distance: number } | undefined;
  for (const hook of PLUGIN_HOOKS) {
    const distance = editDistance(name.toLowerCase(), hook.toLowerCase());
    if (distance <= Math.max(2, Math.floor(hook.length / 3)) && (best === undefined || distance < best.distance)) best = { hook, distance };
  }
  return best?.hook;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
