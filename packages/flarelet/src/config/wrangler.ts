/**
 * A wrangler configuration file: `wrangler.json`, `wrangler.jsonc` (JSON with comments) or `wrangler.toml`,
 * parsed by its extension; the keys flarelet uses are read by wrangler-fields.ts.
 *
 * The TOML parser is loaded only when a wrangler.toml is actually read, so that a start-up without one
 * pays nothing for it. It is loaded synchronously (its CommonJS build, through `createRequire`) because the
 * `Miniflare` constructor, like `MiniflareCore`'s, is synchronous.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { configError } from "../options.js";
import { JsoncSyntaxError, parseJsonc } from "./jsonc.js";
import { configFromDocument, isTable, type WranglerConfig } from "./wrangler-fields.js";

export type { WranglerConfig } from "./wrangler-fields.js";

/** The files wrangler looks for, in its order. */
export const WRANGLER_FILES = ["wrangler.json", "wrangler.jsonc", "wrangler.toml"] as const;

type TomlParse = (text: string) => Record<string, unknown>;
let parseToml: TomlParse | undefined;

function loadParser(): TomlParse {
  parseToml ??= (createRequire(import.meta.url)("smol-toml") as { parse: TomlParse }).parse;
  return parseToml;
}

/**
 * Reads and parses a wrangler configuration file the way `Miniflare` does (public: for tools such as
 * `@flarelet/vitest`, which need `main` without loading the worker). `file` is absolute or relative to the
 * working directory; a file that cannot be read or parsed is an `ERR_CONFIG`.
 */
export function readWranglerConfig(file: string, envName?: string): WranglerConfig {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(absolute, "utf8");
  } catch (error) {
    throw configError(`Cannot read ${absolute}: ${(error as Error).message}`, error);
  }
  return parseWranglerConfig(text, absolute, envName);
}

/** Parses a configuration file's text; `file` names it in errors, and `main` is resolved against its folder. */
export function parseWranglerConfig(text: string, file: string, envName?: string): WranglerConfig {
  const json = /\.jsonc?$/.test(path.basename(file));
  let document: unknown;
  try {
    document = json ? parseJsonc(text) : loadParser()(text);
  } catch (error) {
    if (error instanceof JsoncSyntaxError) {
      const line = text.split("\n")[error.line - 1] ?? "";
      throw configError(`Cannot parse ${file}:${error.line}:${error.column}: ${error.message}\n  ${error.line} | ${line}`, error);
    }
    throw configError(`Cannot parse ${file}${tomlPosition(error)}: ${firstLine(error)}${codeFrame(error)}`, error);
  }
  if (!isTable(document)) throw configError(`${file} must hold an object of settings.`);
  return configFromDocument(document, file, envName);
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
