/**
 * `httpServerPlugin(options)`: where and how `createServer`/`startServer` serve a worker. The plugin adds
 * nothing to the worker; it carries the server options (so that `startServer(mf)` needs no arguments) and,
 * on `dispose()`, closes every server made for its instance, so that nothing is left listening.
 */
import { definePlugin, FlareletError, type Plugin } from "@flarelet/core";
import type { Server } from "node:http";

export interface HttpsOptions {
  /** The private key: a path to a PEM file, or the PEM text itself (anything containing "-----BEGIN"). */
  key: string;
  /** The certificate (chain): a path to a PEM file, or the PEM text itself. */
  cert: string;
}

export interface HttpServerOptions {
  /** Port to listen on; 0 picks a free one. @default 8787 */
  port?: number;
  /** Address to listen on. @default "127.0.0.1" (loopback: only this machine can connect) */
  host?: string;
  /** Serve HTTPS (and WSS) with this key and certificate. @default undefined (plain HTTP) */
  https?: HttpsOptions;
}

export interface ResolvedHttpServerOptions {
  readonly port: number;
  readonly host: string;
  readonly https: Readonly<HttpsOptions> | undefined;
}

export interface HttpServerPlugin extends Plugin {
  readonly name: "http-server";
  /** The validated options, defaults filled in. */
  readonly options: ResolvedHttpServerOptions;
}

export const DEFAULT_PORT = 8787;
export const DEFAULT_HOST = "127.0.0.1";
const PLUGIN_NAME = "http-server";
const KNOWN_OPTIONS = new Set(["port", "host", "https"]);

/** Friend access for server.ts: registers a server so that the plugin's `dispose` closes it. */
export const kTrackServer = Symbol("flarelet.http-server.trackServer");
interface ServerTracking {
  [kTrackServer](server: Server): void;
}

export function httpServerPlugin(options: HttpServerOptions = {}): HttpServerPlugin {
  const resolved = resolveOptions(options, true);
  const servers = new Set<Server>();
  const plugin = definePlugin({
    name: PLUGIN_NAME,
    options: resolved,
    [kTrackServer](server: Server) {
      servers.add(server);
      server.once("close", () => servers.delete(server));
    },
    dispose() {
      // `close()` also closes every WebSocket the server upgraded (1001 "Going Away", see server.ts). The
      // worker is gone, so requests still being answered (a server-sent-events stream) are cut too.
      for (const server of servers) {
        server.close();
        server.closeAllConnections();
      }
      servers.clear();
    },
  } satisfies HttpServerPlugin & ServerTracking);
  return plugin;
}

/** The http-server plugin registered on an instance, if any. */
export function findHttpServerPlugin(plugins: readonly Plugin[]): (HttpServerPlugin & Partial<ServerTracking>) | undefined {
  return plugins.find((plugin): plugin is HttpServerPlugin => plugin.name === PLUGIN_NAME);
}

/**
 * Validates options at the boundary and fills in defaults. `strict` also refuses unknown keys (the plugin
 * factory); `createServer` passes the rest of its options on to node:http, so it checks only its own.
 */
export function resolveOptions(options: HttpServerOptions, strict: boolean, base?: ResolvedHttpServerOptions): ResolvedHttpServerOptions {
  if (typeof options !== "object" || options === null) throw invalid(`options must be an object, got ${describe(options)}.`);
  if (strict) {
    for (const key of Object.keys(options)) {
      if (!KNOWN_OPTIONS.has(key)) throw invalid(`Unknown option "${key}". Known options: port, host, https.`);
    }
  }
  const { port, host, https } = options;
  if (port !== undefined && !isPort(port)) throw invalid(`port must be an integer from 0 to 65535, got ${describe(port)}.`);
  if (host !== undefined && (typeof host !== "string" || host === "")) throw invalid(`host must be a non-empty string, got ${describe(host)}.`);
  if (https !== undefined) validateHttps(https);
  return Object.freeze({
    port: port ?? base?.port ?? DEFAULT_PORT,
    host: host ?? base?.host ?? DEFAULT_HOST,
    https: https === undefined ? base?.https : Object.freeze({ key: https.key, cert: https.cert }),
  });
}

export function isPort(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 65535;
}

function validateHttps(https: unknown): asserts https is HttpsOptions {
  if (typeof https !== "object" || https === null || Array.isArray(https)) {
    throw invalid(`https must be an object { key, cert }, got ${describe(https)}.`);
  }
  for (const key of Object.keys(https)) {
    if (key !== "key" && key !== "cert") throw invalid(`Unknown https option "${key}". Known options: key, cert.`);
  }
  for (const field of ["key", "cert"] as const) {
    const value = (https as Partial<HttpsOptions>)[field];
    if (typeof value !== "string" || value === "") {
      throw invalid(`https.${field} must be a file path or PEM text, got ${describe(value)}.`);
    }
  }
}

function invalid(message: string): FlareletError {
  return new FlareletError("ERR_INVALID_OPTION", `[plugin ${PLUGIN_NAME}] ${message}`);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") return String(value);
  return typeof value;
}
