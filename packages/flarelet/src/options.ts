/**
 * `MiniflareOptions`: the flat options of the full package, as in Miniflare 2. They are core's options, the
 * first-party plugins' options and the configuration files', intersected by hand here, in the one place that
 * composes them (STYLE.md: no inferred merged types).
 */
import { CORE_OPTION_NAMES, FlareletError, type MiniflareCoreOptions, type Plugin } from "@flarelet/core";
import type { DurableObjectsOptions } from "@flarelet/durable-objects";
import type { HttpsOptions } from "@flarelet/http-server";

/** Options that configure where the worker's settings come from, not the worker itself. */
export interface ConfigOptions {
  /**
   * A `.env` file whose variables become bindings: `true` for `<rootPath>/.env` and wrangler's `.dev.vars`
   * next to the configuration (each skipped if missing; `.dev.vars` wins), or a path relative to `rootPath`
   * (an error if missing). @default undefined (no .env; the CLI uses `true`)
   */
  envPath?: boolean | string;
  /**
   * A wrangler configuration (`wrangler.json`, `wrangler.jsonc` or `wrangler.toml`) to read `main`, the
   * compatibility settings, `vars`, `rules`, `no_bundle`, `define`, `alias` and `[build]` from: `true` for the
   * first of those three in `rootPath`, in wrangler's order (none is fine), or a path relative to `rootPath`
   * (an error if missing).
   * @default undefined (no wrangler.toml; the CLI uses `true`)
   */
  wranglerConfigPath?: boolean | string;
  /** The `[env.NAME]` section of the wrangler configuration to use over the top level. @default undefined (top level) */
  wranglerConfigEnv?: string;
  /**
   * A shell command that builds the worker, run in `buildBasePath` before the first load and before every
   * reload (wrangler's `[build] command`). @default undefined (wrangler's `[build]`, if any)
   */
  buildCommand?: string;
  /** The folder `buildCommand` runs in, relative to `rootPath`. @default rootPath */
  buildBasePath?: string;
  /** Folders whose changes rebuild and reload under `watch`, relative to `rootPath`. @default ["src"] */
  buildWatchPaths?: string[];
  /**
   * Reload when the script, a module it imports, wrangler.toml or .env changes; WebSockets are closed with
   * 1012 and a reload that fails keeps the last good version serving. @default false
   */
  watch?: boolean;
}

/** The web-sockets plugin's options (see `webSocketsPlugin`). */
export interface MiniflareWebSocketsOptions {
  /** Largest message a network WebSocket accepts, in bytes; a bigger one closes it with 1009. @default 33554432 (32 MiB) */
  maxMessageSize?: number;
  /** Bytes a network client may leave unread before it is dropped. @default 64 MiB, or twice maxMessageSize if larger */
  maxBufferedAmount?: number;
}

/** The http-server plugin's options (see `httpServerPlugin`). */
export interface MiniflareHttpServerOptions {
  /** Port `createServer`/`startServer` listen on; 0 picks a free one. @default 8787 */
  port?: number;
  /** Address to listen on. @default "127.0.0.1" (loopback: only this machine can connect) */
  host?: string;
  /** Serve HTTPS (and WSS) with this key and certificate (PEM text or file paths). @default undefined (HTTP) */
  https?: HttpsOptions;
}

/** The durable-objects plugin's options (see `durableObjectsPlugin`); wrangler's durable_objects and migrations fill them in. */
export type MiniflareDurableObjectsOptions = DurableObjectsOptions;

export type MiniflareOptions = Omit<MiniflareCoreOptions, "plugins"> &
  ConfigOptions &
  MiniflareWebSocketsOptions &
  MiniflareHttpServerOptions &
  MiniflareDurableObjectsOptions & {
    /** Third-party plugins, registered after core, web-sockets and http-server. Fixed for the life of an instance. @default [] */
    plugins?: Plugin[];
  };

/** The options that only take effect in the constructor, because they configure a plugin or the instance. */
export const FIXED_OPTIONS = [
  "plugins",
  "log",
  "port",
  "host",
  "https",
  "maxMessageSize",
  "maxBufferedAmount",
  "watch",
  "durableObjects",
  "durableObjectsPersist",
  "durableObjectsMigrations",
  "durableObjectsHibernateAfter",
] as const;

/** Options this package handles itself; everything else goes to core (which checks it). */
const OWN_OPTIONS = new Set<string>([
  "envPath",
  "wranglerConfigPath",
  "wranglerConfigEnv",
  "buildCommand",
  "buildBasePath",
  "buildWatchPaths",
  "watch",
  "maxMessageSize",
  "maxBufferedAmount",
  "port",
  "host",
  "https",
  "durableObjects",
  "durableObjectsPersist",
  "durableObjectsMigrations",
  "durableObjectsHibernateAfter",
]);

/** Every option `Miniflare` accepts: core's and this package's own. */
export const KNOWN_OPTIONS: readonly string[] = [...CORE_OPTION_NAMES, ...OWN_OPTIONS];

/** Checks this package's own options (core and the plugins check theirs), with messages naming the option. */
export function validateOwnOptions(options: MiniflareOptions): void {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw invalid("options must be an object.");
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.includes(key)) throw invalid(`Unknown option "${key}". Known options: ${KNOWN_OPTIONS.join(", ")}.`);
  }
  for (const key of ["envPath", "wranglerConfigPath"] as const) {
    const value = options[key];
    if (value !== undefined && typeof value !== "boolean" && (typeof value !== "string" || value === "")) {
      throw invalid(`Option "${key}" must be true, false or a file path, got ${describe(value)}.`);
    }
  }
  if (options.wranglerConfigEnv !== undefined && (typeof options.wranglerConfigEnv !== "string" || options.wranglerConfigEnv === "")) {
    throw invalid(`Option "wranglerConfigEnv" must be an environment name, got ${describe(options.wranglerConfigEnv)}.`);
  }
  for (const key of ["buildCommand", "buildBasePath"] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== "string" || value === "")) throw invalid(`Option "${key}" must be a non-empty string, got ${describe(value)}.`);
  }
  if (options.buildWatchPaths !== undefined && !(Array.isArray(options.buildWatchPaths) && options.buildWatchPaths.every((item) => typeof item === "string"))) {
    throw invalid(`Option "buildWatchPaths" must be an array of paths, got ${describe(options.buildWatchPaths)}.`);
  }
  if (options.watch !== undefined && typeof options.watch !== "boolean") {
    throw invalid(`Option "watch" must be a boolean, got ${describe(options.watch)}.`);
  }
}

export function invalid(message: string, cause?: unknown): FlareletError {
  return new FlareletError("ERR_INVALID_OPTION", message, cause === undefined ? undefined : { cause });
}

/** A wrangler.toml or .env that cannot be read or holds a wrong value. */
export function configError(message: string, cause?: unknown): FlareletError {
  return new FlareletError("ERR_CONFIG", message, cause === undefined ? undefined : { cause });
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return typeof value;
}
