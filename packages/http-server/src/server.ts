/**
 * `createServer(mf)` makes a node:http (or node:https) server for a worker, not yet listening;
 * `startServer(mf)` also listens and resolves once it does. Options come from the instance's
 * `httpServerPlugin()`, if registered, overridden by the call's own; any other option (e.g.
 * `maxHeaderSize`) is passed on to Node's `createServer`, as in Miniflare 2.
 *
 * `server.close()` also closes every WebSocket the server upgraded, with 1001 "Going Away": upgraded
 * connections are not HTTP connections Node would close, and a server waits for all of its connections
 * before it reports "close". The servers are instances of a subclass of Node's that does this in its own
 * `close()`. Reloads close the WebSockets with 1012 "Service Restart" (the web-sockets plugin).
 */
import type { Log, MiniflareCore } from "@flarelet/core";
import http from "node:http";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { networkInterfaces } from "node:os";
import type { Duplex } from "node:stream";
import { loadHttpsOptions } from "./https.js";
import { createRequestListener } from "./listener.js";
import { httpServerPluginOf, resolveOptions, trackServer, type HttpServerOptions, type ResolvedHttpServerOptions } from "./plugin.js";
import { writeRawResponse } from "./raw.js";
import { UpgradeHandler } from "./upgrade.js";

export type CreateServerOptions = HttpServerOptions & http.ServerOptions & https.ServerOptions;
export type Server = http.Server | https.Server;

/** Going Away (RFC 6455 §7.4.1): the server is shutting down. */
const GOING_AWAY = 1001;

/** Where each server listens, for `startServer`. */
const listenOptions = new WeakMap<Server, ResolvedHttpServerOptions>();

export async function createServer(mf: MiniflareCore, options: CreateServerOptions = {}): Promise<Server> {
  const plugin = httpServerPluginOf(mf);
  const { port, host, https: httpsOption, ...nodeOptions } = options;
  const resolved = resolveOptions({ port, host, https: httpsOption }, false, plugin?.options);

  const listener = createRequestListener(mf);
  const upgrades = new UpgradeHandler(mf);
  const server: Server =
    resolved.https === undefined
      ? new WorkerHttpServer(upgrades, nodeOptions, listener)
      : new WorkerHttpsServer(upgrades, { ...(await loadHttpsOptions(resolved.https)), ...nodeOptions }, listener);
  server.on("upgrade", upgrades.listener);
  server.on("clientError", (error: Error, socket: Duplex) => onClientError(mf.log, error, socket));

  listenOptions.set(server, resolved);
  if (plugin !== undefined) trackServer(plugin, server);
  return server;
}

/** Node's HTTP server, whose `close()` first closes the WebSockets it upgraded (see the file comment). */
class WorkerHttpServer extends http.Server {
  readonly #upgrades: UpgradeHandler;

  constructor(upgrades: UpgradeHandler, options: http.ServerOptions, listener: http.RequestListener) {
    super(options, listener);
    this.#upgrades = upgrades;
  }

  override close(callback?: (error?: Error) => void): this {
    this.#upgrades.closeAll(GOING_AWAY, "Going Away");
    return super.close(callback);
  }
}

/** The same over TLS. */
class WorkerHttpsServer extends https.Server {
  readonly #upgrades: UpgradeHandler;

  constructor(upgrades: UpgradeHandler, options: https.ServerOptions, listener: http.RequestListener) {
    super(options, listener);
    this.#upgrades = upgrades;
  }

  override close(callback?: (error?: Error) => void): this {
    this.#upgrades.closeAll(GOING_AWAY, "Going Away");
    return super.close(callback);
  }
}

export async function startServer(mf: MiniflareCore, options: CreateServerOptions = {}): Promise<Server> {
  const server = await createServer(mf, options);
  const { port, host, https: secure } = listenOptions.get(server)!;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => {
      server.off("listening", onListening);
      reject(error);
    };
    const onListening = () => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
  const address = server.address() as AddressInfo;
  const scheme = secure === undefined ? "http" : "https";
  mf.log.info(`Listening on ${formatUrl(scheme, address.address, address.port)}`);
  if (address.address === "0.0.0.0" || address.address === "::") {
    for (const ip of externalAddresses()) mf.log.info(`- ${formatUrl(scheme, ip, address.port)}`);
  }
  return server;
}

export function formatUrl(scheme: string, address: string, port: number): string {
  return `${scheme}://${address.includes(":") ? `[${address}]` : address}:${port}`;
}

/** This machine's IPv4 addresses, for a server listening on all of them. */
function externalAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((entries) => entries ?? [])
    .filter((entry) => entry.family === "IPv4")
    .map((entry) => entry.address);
}

/**
 * A request Node's parser refused (RFC 9112 §2.2, §5): answered with 400, or 431 for oversized headers,
 * unless part of a response already went out on this connection (then a status line would corrupt it);
 * the connection is closed either way. Nothing else is affected: each connection has its own parser.
 */
function onClientError(log: Log, error: Error & { code?: string }, socket: Duplex): void {
  const peer = socket as Socket;
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  // Node's own default handler makes the same check (lib/_http_server.js, socketOnError).
  const inFlight = (socket as { _httpMessage?: http.ServerResponse | null })._httpMessage;
  if (inFlight?.headersSent === true) {
    socket.destroy();
    return;
  }
  const status = clientErrorStatus(error.code);
  log.debug(`Refused a malformed request from ${peer.remoteAddress}:${peer.remotePort} with ${status}: ${error.message} (${error.code})`);
  writeRawResponse(socket, status);
}

export function clientErrorStatus(code: string | undefined): number {
  switch (code) {
    case "HPE_HEADER_OVERFLOW":
      return 431; // Request Header Fields Too Large
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return 413; // Content Too Large
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return 408; // Request Timeout
    default:
      return 400;
  }
}
