/**
 * The keys of a wrangler configuration that a local run needs, read from a parsed document (TOML or JSONC
 * alike) and checked. As in wrangler, an `[env.NAME]` section inherits the "inheritable" keys from the top
 * level (`main`, the compatibility settings, `rules`, `no_bundle`, `build`, `alias`, `migrations`,
 * `limits`) and not the others: an environment has only the `vars`, `define`, Durable Objects and KV
 * namespaces it declares itself. Every other key is listed in `ignoredKeys`, for one debug line.
 */
import type { ModuleRule, ModuleRuleType } from "@flarelet/core";
import path from "node:path";
import { configError } from "../options.js";

export interface WranglerConfig {
  /** The configuration file, absolute. */
  file: string;
  /** `main`, resolved against the file's folder (as wrangler does). */
  main?: string;
  compatibilityDate?: string;
  compatibilityFlags?: string[];
  /** `vars` as JSON values (TOML dates become ISO strings), as wrangler uploads them. */
  vars: Record<string, unknown>;
  /** `rules`, as module rules (`globs` → `include`). */
  rules?: ModuleRule[];
  noBundle?: boolean;
  define?: Record<string, string>;
  alias?: Record<string, string>;
  /** `[build]`: `command` run in `cwd`, again when a file under `watchDirs` changes (paths absolute). */
  build?: { command: string; cwd: string; watchDirs: string[] };
  durableObjects?: { name: string; className: string; scriptName?: string }[];
  /** `migrations`, as written (the Durable Objects plugin reads them). */
  migrations?: unknown[];
  kvNamespaces?: { binding: string; id?: string }[];
  /** `limits.cpu_ms`. */
  limits?: { cpuMs?: number };
  /** Keys this file sets that flarelet does not use (`name`, `routes`, …). */
  ignoredKeys: string[];
}

const INHERITABLE = ["main", "compatibility_date", "compatibility_flags", "rules", "no_bundle", "build", "alias", "migrations", "limits"];
const OWN = ["vars", "define", "durable_objects", "kv_namespaces"];
const USED = new Set([...INHERITABLE, ...OWN, "env", "$schema"]);

export function configFromDocument(document: Record<string, unknown>, file: string, envName?: string): WranglerConfig {
  let section = document;
  if (envName !== undefined) {
    const envs = isTable(document.env) ? document.env : {};
    const env = envs[envName];
    if (!isTable(env)) {
      const known = Object.keys(envs);
      throw configError(
        `${file} has no [env.${envName}] section` + (known.length === 0 ? " (it defines no environments)." : `; it defines: ${known.join(", ")}.`),
      );
    }
    section = env;
  }
  const where = envName === undefined ? file : `${file} [env.${envName}]`;
  const read = (key: string): unknown => (INHERITABLE.includes(key) && !(key in section) ? document[key] : section[key]);
  const folder = path.dirname(file);

  const config: WranglerConfig = { file, vars: {}, ignoredKeys: [] };
  const main = read("main");
  if (main !== undefined) config.main = path.resolve(folder, expect(main, isString, where, "main must be a string."));
  const date = read("compatibility_date");
  if (date !== undefined) {
    // An unquoted TOML date is a date, not a string; wrangler also wants a string here.
    config.compatibilityDate = expect(date, isString, where, 'compatibility_date must be a quoted string, e.g. compatibility_date = "2024-01-01".');
  }
  const flags = read("compatibility_flags");
  if (flags !== undefined) config.compatibilityFlags = [...expect(flags, isStringArray, where, "compatibility_flags must be an array of strings.")];
  const vars = read("vars");
  if (vars !== undefined) config.vars = toJson(expect(vars, isTable, where, "vars must be a table ([vars] or vars = { … }).")) as Record<string, unknown>;
  const rules = read("rules");
  if (rules !== undefined) config.rules = expect(rules, isArray, where, "rules must be an array of { type, globs }.").map((rule) => toRule(rule, where));
  const noBundle = read("no_bundle");
  if (noBundle !== undefined) config.noBundle = expect(noBundle, isBoolean, where, "no_bundle must be true or false.");
  const define = read("define");
  if (define !== undefined) config.define = { ...expect(define, isStringTable, where, "define must be a table of strings (JavaScript expressions).") };
  const alias = read("alias");
  if (alias !== undefined) config.alias = { ...expect(alias, isStringTable, where, "alias must be a table of strings.") };
  const build = read("build");
  if (build !== undefined) {
    const table = expect(build, isTable, where, "build must be a table ([build]).");
    if (table.command !== undefined) {
      const command = expect(table.command, isString, where, "build.command must be a string.");
      const cwd = path.resolve(folder, table.cwd === undefined ? "." : expect(table.cwd, isString, where, "build.cwd must be a string."));
      const watch = table.watch_dir ?? "./src";
      const watchDirs = (typeof watch === "string" ? [watch] : expect(watch, isStringArray, where, "build.watch_dir must be a path or an array of paths."));
      config.build = { command, cwd, watchDirs: watchDirs.map((dir) => path.resolve(folder, dir)) };
    }
  }
  const durableObjects = read("durable_objects");
  if (durableObjects !== undefined) {
    const bindings = expect(durableObjects, isTable, where, "durable_objects must be a table with bindings.").bindings ?? [];
    config.durableObjects = expect(bindings, isArray, where, "durable_objects.bindings must be an array.").map((binding) => {
      const { name, class_name: className, script_name: scriptName } = expect(binding, isTable, where, "each durable_objects binding needs name and class_name.");
      if (!isString(name) || !isString(className)) throw configError(`${where}: each durable_objects binding needs name and class_name.`);
      return isString(scriptName) ? { name, className, scriptName } : { name, className };
    });
  }
  const migrations = read("migrations");
  if (migrations !== undefined) config.migrations = toJson(expect(migrations, isArray, where, "migrations must be an array.")) as unknown[];
  const kv = read("kv_namespaces");
  if (kv !== undefined) {
    config.kvNamespaces = expect(kv, isArray, where, "kv_namespaces must be an array.").map((entry) => {
      const { binding, id } = expect(entry, isTable, where, "each kv_namespaces entry needs a binding.");
      if (!isString(binding)) throw configError(`${where}: each kv_namespaces entry needs a binding.`);
      return isString(id) ? { binding, id } : { binding };
    });
  }
  const limits = read("limits");
  if (limits !== undefined) {
    const cpuMs = expect(limits, isTable, where, "limits must be a table.").cpu_ms;
    config.limits = cpuMs === undefined ? {} : { cpuMs: expect(cpuMs, isNumber, where, "limits.cpu_ms must be a number.") };
  }
  config.ignoredKeys = [...new Set([...Object.keys(document), ...(section === document ? [] : Object.keys(section))])].filter((key) => !USED.has(key));
  return config;
}

function toRule(rule: unknown, where: string): ModuleRule {
  const { type, globs, fallthrough } = expect(rule, isTable, where, "each rule needs type and globs.");
  if (!isString(type) || !isStringArray(globs)) throw configError(`${where}: each rule needs a type and an array of globs.`);
  return fallthrough === true ? { type: type as ModuleRuleType, include: [...globs], fallthrough: true } : { type: type as ModuleRuleType, include: [...globs] };
}

function expect<T>(value: unknown, check: (value: unknown) => value is T, where: string, message: string): T {
  if (!check(value)) throw configError(`${where}: ${message}`);
  return value;
}

export function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
const isString = (value: unknown): value is string => typeof value === "string";
const isBoolean = (value: unknown): value is boolean => typeof value === "boolean";
const isNumber = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);
const isArray = (value: unknown): value is unknown[] => Array.isArray(value);
const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every(isString);
const isStringTable = (value: unknown): value is Record<string, string> => isTable(value) && Object.values(value).every(isString);

/** Plain JSON values: tables become ordinary objects (the TOML parser's have a null prototype), dates strings. */
function toJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}
