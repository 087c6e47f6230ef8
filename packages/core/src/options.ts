import path from "node:path";
import { FlareletError } from "./errors.js";
import type { Log } from "./log.js";
import type { ModuleRule } from "./modules/rules.js";
import type { Plugin } from "./plugin.js";

/** Options of `MiniflareCore`, named as in Miniflare 2. */
export interface MiniflareCoreOptions {
  /** The worker's source code. With `scriptPath` too, `scriptPath` names it in stack traces. */
  script?: string;
  /** Path of the worker's script, relative to `rootPath`. */
  scriptPath?: string;
  /**
   * Modules format (`export default { fetch }`) rather than service-worker format.
   * @default whether the entry has exports
   */
  modules?: boolean;
  /** Extra module rules, applied before the defaults (see `DEFAULT_MODULE_RULES`). */
  modulesRules?: ModuleRule[];
  /**
   * Bundle the worker with esbuild, as wrangler does: npm packages, TypeScript, JSX. `false` loads the files
   * as they are (wrangler's `no_bundle`). @default true
   */
  bundle?: boolean;
  /** Replace global identifiers with JavaScript expressions when bundling (wrangler's `define`). @default {} */
  define?: Record<string, string>;
  /** Replace package imports with other packages or paths when bundling (wrangler's `alias`). @default {} */
  alias?: Record<string, string>;
  /** Folder that `scriptPath` and module rule globs are relative to. @default process.cwd() */
  rootPath?: string;
  /** Values the worker receives in `env` (modules) or as globals (service-worker). */
  bindings?: Record<string, unknown>;
  /** Extra globals for the worker; they win over every plugin's. */
  globals?: Record<string, unknown>;
  /** YYYY-MM-DD; behaviour the runtime changed on later dates applies from it. @default the oldest behaviour */
  compatibilityDate?: string;
  /** workerd compatibility flags, e.g. `["web_socket_auto_reply_to_close"]`. @default [] */
  compatibilityFlags?: string[];
  /** Where flarelet logs to. @default new Log(LogLevel.INFO) */
  log?: Log;
  /** Plugins, in registration order, after core's own. Fixed for the life of the instance. */
  plugins?: Plugin[];
}

export interface ResolvedScriptSource {
  /** Absolute path, or undefined for a `script` without `scriptPath`. */
  scriptPath: string | undefined;
  script: string | undefined;
}

/** Every option `MiniflareCore` accepts (packages that extend the options build on this list). */
export const CORE_OPTION_NAMES = [
  "script",
  "scriptPath",
  "modules",
  "modulesRules",
  "bundle",
  "define",
  "alias",
  "rootPath",
  "bindings",
  "globals",
  "compatibilityDate",
  "compatibilityFlags",
  "log",
  "plugins",
] as const satisfies readonly (keyof MiniflareCoreOptions)[];

const KNOWN_OPTIONS = new Set<string>(CORE_OPTION_NAMES);

/** Checks option types once, at the boundary, with messages that name the option. */
export function validateOptions(options: MiniflareCoreOptions): void {
  if (typeof options !== "object" || options === null) {
    throw invalid("options", "an object", options);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw new FlareletError("ERR_INVALID_OPTION", `Unknown option "${key}". Known options: ${[...KNOWN_OPTIONS].join(", ")}.`);
    }
  }
  optional(options, "script", "string", (value) => typeof value === "string");
  optional(options, "scriptPath", "string", (value) => typeof value === "string");
  optional(options, "rootPath", "string", (value) => typeof value === "string");
  optional(options, "modules", "boolean", (value) => typeof value === "boolean");
  optional(options, "bundle", "boolean", (value) => typeof value === "boolean");
  optional(options, "define", "an object of strings", isStringRecord);
  optional(options, "alias", "an object of strings", isStringRecord);
  optional(options, "compatibilityDate", "string (YYYY-MM-DD)", (value) => typeof value === "string");
  optional(options, "compatibilityFlags", "an array of strings", isStringArray);
  optional(options, "bindings", "an object", isPlainRecord);
  optional(options, "globals", "an object", isPlainRecord);
  optional(options, "plugins", "an array of plugins", Array.isArray);
  optional(options, "log", "a Log", (value) => typeof value === "object" && value !== null && typeof (value as Log).error === "function");
  optional(options, "modulesRules", "an array of { type, include }", (value) =>
    Array.isArray(value) && value.every((rule) => typeof rule === "object" && rule !== null && typeof rule.type === "string" && isStringArray(rule.include)),
  );
}

export function resolveRootPath(options: MiniflareCoreOptions): string {
  return path.resolve(options.rootPath ?? process.cwd());
}

export function resolveScriptPath(options: MiniflareCoreOptions, rootPath: string): string | undefined {
  return options.scriptPath === undefined ? undefined : path.resolve(rootPath, options.scriptPath);
}

function optional(
  options: MiniflareCoreOptions,
  key: keyof MiniflareCoreOptions,
  expected: string,
  check: (value: unknown) => boolean,
): void {
  const value = options[key];
  if (value !== undefined && !check(value)) throw invalid(key, expected, value);
}

function invalid(key: string, expected: string, value: unknown): FlareletError {
  const actual = value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
  return new FlareletError("ERR_INVALID_OPTION", `Option "${key}" must be ${expected}, got ${actual}.`);
}

function isStringArray(value: unknown): boolean {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

function isStringRecord(value: unknown): boolean {
  return isPlainRecord(value) && Object.values(value as object).every((item) => typeof item === "string");
}

function isPlainRecord(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
