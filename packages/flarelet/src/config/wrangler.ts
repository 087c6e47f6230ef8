/**
 * wrangler.toml: the keys a worker's local run needs — `main`, `compatibility_date`, `compatibility_flags`
 * and `vars` — from the top level or from an `[env.NAME]` section. As in wrangler, `main` and the
 * compatibility keys are inherited from the top level by an environment, and `vars` is not: an environment
 * has only the vars it declares (wrangler's "non-inheritable" keys). Every other key is ignored.
 *
 * The TOML parser is loaded only when a wrangler.toml is actually read, so that a start-up without one
 * pays nothing for it. It is loaded synchronously (its CommonJS build, through `createRequire`) because the
 * `Miniflare` constructor, like `MiniflareCore`'s, is synchronous.
 */
import { createRequire } from "node:module";
import path from "node:path";
import { configError } from "../options.js";

export interface WranglerConfig {
  /** The toml file, absolute. */
  file: string;
  /** `main`, resolved against the toml's folder (as wrangler does). */
  main?: string;
  compatibilityDate?: string;
  compatibilityFlags?: string[];
  /** `vars` as JSON values (TOML dates become ISO strings), as wrangler uploads them. */
  vars: Record<string, unknown>;
}

type TomlParse = (text: string) => Record<string, unknown>;
let parseToml: TomlParse | undefined;

function loadParser(): TomlParse {
  parseToml ??= (createRequire(import.meta.url)("smol-toml") as { parse: TomlParse }).parse;
  return parseToml;
}

/** Parses wrangler.toml text; `file` names it in errors, and `main` is resolved against its folder. */
export function parseWranglerConfig(text: string, file: string, envName?: string): WranglerConfig {
  let document: Record<string, unknown>;
  try {
    document = loadParser()(text);
  } catch (error) {
    throw configError(`Cannot parse ${file}${tomlPosition(error)}: ${firstLine(error)}${codeFrame(error)}`, error);
  }

  let section = document;
  if (envName !== undefined) {
    const envs = isTable(document.env) ? document.env : {};
    const env = envs[envName];
    if (!isTable(env)) {
      const known = Object.keys(envs);
      throw configError(
        `${file} has no [env.${envName}] section` +
          (known.length === 0 ? " (it defines no environments)." : `; it defines: ${known.join(", ")}.`),
      );
    }
    section = env;
  }

  const inherited = (key: string): unknown => (key in section ? section[key] : document[key]);
  const main = inherited("main");
  const compatibilityDate = inherited("compatibility_date");
  const compatibilityFlags = inherited("compatibility_flags");
  const vars = section.vars;

  const where = envName === undefined ? file : `${file} [env.${envName}]`;
  if (main !== undefined && typeof main !== "string") throw configError(`${where}: main must be a string.`);
  if (compatibilityDate !== undefined && typeof compatibilityDate !== "string") {
    // An unquoted date is a TOML local date, not a string; wrangler also wants a string here.
    throw configError(`${where}: compatibility_date must be a quoted string, e.g. compatibility_date = "2024-01-01".`);
  }
  if (compatibilityFlags !== undefined && !(Array.isArray(compatibilityFlags) && compatibilityFlags.every((flag) => typeof flag === "string"))) {
    throw configError(`${where}: compatibility_flags must be an array of strings.`);
  }
  if (vars !== undefined && !isTable(vars)) throw configError(`${where}: vars must be a table ([vars] or vars = { … }).`);

  const config: WranglerConfig = { file, vars: vars === undefined ? {} : (toJson(vars) as Record<string, unknown>) };
  if (main !== undefined) config.main = path.resolve(path.dirname(file), main);
  if (compatibilityDate !== undefined) config.compatibilityDate = compatibilityDate;
  if (compatibilityFlags !== undefined) config.compatibilityFlags = [...compatibilityFlags];
  return config;
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** Plain JSON values: tables become ordinary objects (the parser's have a null prototype), dates strings. */
function toJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

/** smol-toml's TomlError carries 1-based `line` and `column`. */
function tomlPosition(error: unknown): string {
  const { line, column } = (error ?? {}) as { line?: unknown; column?: unknown };
  return typeof line === "number" && typeof column === "number" ? `:${line}:${column}` : "";
}

/** The parser's excerpt of the offending lines, with a caret under the column. */
function codeFrame(error: unknown): string {
  const { codeblock } = (error ?? {}) as { codeblock?: unknown };
  return typeof codeblock === "string" && codeblock.trim() !== "" ? `\n${codeblock.replace(/\n+$/, "")}` : "";
}

/** The parser's message without its code frame, e.g. "Invalid TOML document: invalid value". */
function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0] ?? message;
}
