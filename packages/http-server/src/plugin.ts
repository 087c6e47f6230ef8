/**
 * `httpServerPlugin(options)`: where and how `createServer`/`startServer` serve a worker. The plugin adds
 * nothing to the worker; it carries the server options (so that `startServer(mf)` needs no arguments) and,
 * on `dispose()`, closes every server made for its instance, so that nothing is left listening.
 */
import { pluginOptions, type CliFlag, type MiniflareCore, type Plugin } from "@flarelet/core";
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
const KNOWN_OPTIONS = ["port", "host", "https"];
const check = pluginOptions("http-server");
const describe = check.describe;

/** The plugin's command-line flags, as data: the `flarelet` command builds its parser and help from them. */
export const httpServerFlags: readonly CliFlag[] = [
  { name: "port", short: "p", type: "integer", value: "PORT", max: 65535, default: String(DEFAULT_PORT), option: "port", description: "Port to listen on (0 picks a free one)" },
  { name: "host", short: "H", type: "string", value: "HOST", default: DEFAULT_HOST, option: "host", description: "Address to listen on (0.0.0.0 for every interface)" },
];

/** What each plugin this package made keeps for `createServer`: the servers made for its instance. */
const serversOf = new WeakMap<Plugin, Set<Server>>();

export function httpServerPlugin(options: HttpServerOptions = {}): HttpServerPlugin {
  const resolved = resolveOptions(options, true);
  const servers = new Set<Server>();
  const plugin: HttpServerPlugin = {
    name: "http-server",
    options: resolved,
    dispose() {
      // `close()` also closes every WebSocket the server upgraded (1001 "Going Away", see server.ts). The
      // worker is gone, so requests still being answered (a server-sent-events stream) are cut too.
      for (const server of servers) {
        server.close();
        server.closeAllConnections();
      }
      servers.clear();
    },
  };
  serversOf.set(plugin, servers);
  return plugin;
}

/**
 * The http-server plugin registered on `mf`, if any: found by identity among `mf.plugins` (a plugin this
 * package made), never by name, so that a plugin that merely calls itself "http-server" is not taken for it.
 */
export function httpServerPluginOf(mf: MiniflareCore): HttpServerPlugin | undefined {
  return mf.plugins.find((plugin): plugin is HttpServerPlugin => serversOf.has(plugin));
}

/** Registers `server`, made for `plugin`'s instance, so that the plugin's `dispose` closes it. */
export function trackServer(plugin: HttpServerPlugin, server: Server): void {
  const servers = serversOf.get(plugin)!;
  servers.add(server);
  server.once("close", () => servers.delete(server));
}

/**
 * Validates options at the boundary and fills in defaults. `strict` also refuses unknown keys (the plugin
 * factory); `createServer` passes the rest of its options on to node:http, so it checks only its own.
 */
export function resolveOptions(options: HttpServerOptions, strict: boolean, base?: ResolvedHttpServerOptions): ResolvedHttpServerOptions {
  if (typeof options !== "object" || options === null) throw check.invalid(`options must be an object, got ${describe(options)}.`);
  if (strict) check.object(options, KNOWN_OPTIONS);
  const port = check.integer("port", options.port, 0, 65535);
  const host = check.string("host", options.host);
  const { https } = options;
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
    throw check.invalid(`https must be an object { key, cert }, got ${describe(https)}.`);
  }
  for (const key of Object.keys(https)) {
    if (key !== "key" && key !== "cert") throw check.invalid(`Unknown https option "${key}". Known options: key, cert.`);
  }
  for (const field of ["key", "cert"] as const) {
    const value = (https as Partial<HttpsOptions>)[field];
    if (typeof value !== "string" || value === "") {
      throw check.invalid(`https.${field} must be a file path or PEM text, got ${describe(value)}.`);
    }
  }
}
