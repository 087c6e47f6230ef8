/**
 * Built-in modules: specifiers such as `cloudflare:workers` or `cloudflare:sockets` that the runtime (core,
 * or a plugin through `setup()`'s `modules`) provides instead of a file. The module graph resolves them
 * before any file, in every format of import.
 */
import { FlareletError } from "../errors.js";

/**
 * Specifier → a function making the module's exports (a plain object, `default` for the default export).
 * It is called on the first import in a load, so that a module nobody imports costs nothing.
 */
export type BuiltinModules = ReadonlyMap<string, () => Record<string, unknown>>;

/** The error for a specifier that is neither a built-in module nor a relative path. */
export function builtinNotFound(specifier: string, importer: string): FlareletError {
  const hint = specifier.startsWith("node:")
    ? "Node.js built-in modules need the nodejs_compat compatibility flag (compatibility_flags = [\"nodejs_compat\"] " +
      "in wrangler.toml, --compat-flag nodejs_compat on the command line)."
    : specifier.startsWith("cloudflare:")
      ? "flarelet does not provide this module."
      : "flarelet resolves relative imports (./, ../) only: bundle package imports first, e.g. with wrangler or esbuild.";
  return new FlareletError("ERR_MODULE_NOT_FOUND", `No such module "${specifier}" (imported from ${importer}). ${hint}`);
}
