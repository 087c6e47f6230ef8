/**
 * The start-up banner: the version, the worker (path and format), its bindings as `wrangler dev` lists them
 * (secrets from `.dev.vars`/`.env` masked), and, without a compatibility date, one line saying so. The
 * http-server package logs the URL(s) it listens on itself, once the server listens.
 *
 *     flarelet 0.0.0
 *     Worker: src/index.ts (modules)
 *     Your worker has access to the following bindings:
 *       Binding                Resource
 *       env.GREETING ("Hi")    Environment Variable
 *       env.API_KEY ("(hidden)")  Environment Variable
 *     [flarelet:wrn] No compatibility date is set: …
 *     [flarelet:inf] Listening on http://127.0.0.1:8787
 */
import type { Log } from "@flarelet/core";
import path from "node:path";

export interface BannerInfo {
  version: string;
  /** Absolute path of the script, if it is a file. */
  scriptPath: string | undefined;
  /** The worker's format, once it loaded. */
  format: string | undefined;
  watch: boolean;
  /** The worker's bindings (its `env`), once it loaded. */
  bindings: Record<string, unknown> | undefined;
  /** Bindings whose values are secrets (from `.dev.vars`/`.env`). */
  secrets: readonly string[];
  /** Whether a compatibility date is set. */
  hasCompatibilityDate: boolean;
}

/** Longest value shown in full; wrangler cuts long ones too. */
const MAX_VALUE_LENGTH = 40;

export function printBanner(log: Log, info: BannerInfo): void {
  const format = info.format === undefined ? "" : ` (${info.format})`;
  const script = info.scriptPath === undefined ? "(inline script)" : displayPath(info.scriptPath);
  log.log(log.colour("bold", `flarelet ${info.version}`));
  log.log(`Worker: ${log.colour("cyan", script)}${format}${info.watch ? ", watching for changes" : ""}`);
  const rows = bindingRows(info.bindings ?? {}, new Set(info.secrets));
  if (rows.length > 0) {
    const width = Math.max("Binding".length, ...rows.map(([binding]) => binding.length)) + 2;
    log.log("Your worker has access to the following bindings:");
    log.log(`  ${"Binding".padEnd(width)}Resource`);
    for (const [binding, resource] of rows) log.log(`  ${binding.padEnd(width)}${resource}`);
  }
  if (!info.hasCompatibilityDate) log.warn(noDateNotice());
}

/** One line: no date, what that means, and how to set one. */
export function noDateNotice(today: Date = new Date()): string {
  const date = today.toISOString().slice(0, 10);
  return (
    "No compatibility date is set, so the oldest runtime behaviour applies. Set one with " +
    `compatibility_date = "${date}" in wrangler.toml (or wrangler.json) or --compat-date ${date}.`
  );
}

/** `[binding, resource]` per binding, in name order: vars with their value, secrets masked, the rest by type. */
export function bindingRows(bindings: Record<string, unknown>, secrets: ReadonlySet<string>): [string, string][] {
  return Object.keys(bindings)
    .sort()
    .map((name) => {
      const value = bindings[name];
      if (secrets.has(name)) return [`env.${name} ("(hidden)")`, "Environment Variable"];
      if (typeof value !== "object" && typeof value !== "function") return [`env.${name} (${shown(value)})`, "Environment Variable"];
      if (value === null || isPlainData(value)) return [`env.${name} (${shown(value)})`, "Environment Variable"];
      return [`env.${name}`, resourceName(value)];
    });
}

/** A JSON var (an object or array from wrangler's `vars`), as opposed to a binding object from a plugin. */
function isPlainData(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as object | null;
  return Array.isArray(value) || prototype === null || prototype === Object.prototype || prototype?.constructor?.name === "Object";
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH - 3)}...` : text;
}

/** "KVNamespace" → "KV Namespace", "DurableObjectNamespace" → "Durable Object", else the class's name. */
function resourceName(value: object): string {
  const name = (value.constructor as { name?: string } | undefined)?.name ?? "";
  if (/^DurableObject/.test(name)) return "Durable Object";
  if (/^KVNamespace/.test(name) || /KVNamespace$/.test(name)) return "KV Namespace";
  return name === "" || name === "Object" ? "Binding" : name;
}

/** Relative to the current folder when the script is inside it, else absolute. */
export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative === "" || relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}
