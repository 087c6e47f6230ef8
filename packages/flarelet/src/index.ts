export { Miniflare } from "./miniflare.js";
export { readWranglerConfig } from "./config/wrangler.js";
export type { WranglerConfig } from "./config/wrangler.js";
export type { MiniflareResponse, MiniflareSetOptions } from "./miniflare.js";
export type {
  ConfigOptions,
  MiniflareDurableObjectsOptions,
  MiniflareHttpServerOptions,
  MiniflareOptions,
  MiniflareWebSocketsOptions,
} from "./options.js";
export {
  FlareletError,
  Log,
  LogLevel,
  MiniflareCore,
  NoOpLog,
  PluginError,
  ReloadEvent,
  Request,
  Response,
  definePlugin,
} from "@flarelet/core";
export type { LogOptions, MiniflareCoreOptions, Plugin, PluginContext, ReloadContext, SetupResult } from "@flarelet/core";
export { WebSocket, WebSocketPair, webSocketsPlugin } from "@flarelet/web-sockets";
export type { WebSocketsOptions } from "@flarelet/web-sockets";
export { createServer, httpServerPlugin, startServer } from "@flarelet/http-server";
export type { CreateServerOptions, HttpServerOptions, HttpsOptions, Server } from "@flarelet/http-server";
export { durableObjectsPlugin } from "@flarelet/durable-objects";
export type {
  DurableObjectId,
  DurableObjectNamespace,
  DurableObjectStorage,
  DurableObjectsOptions,
  EvictionOptions,
} from "@flarelet/durable-objects";
