import { pluginOptions, type CliFlag, type Plugin, type ReloadContext, type SetupContext, type WorkersFetch } from "@flarelet/core";
import { CloseEvent, MessageEvent } from "./events.js";
import { createUpgradingFetch } from "./fetch.js";
import { createWebSocketPairConstructor, WebSocketPair as HostWebSocketPair } from "./pair.js";
import { DEFAULT_MAX_MESSAGE_SIZE, defaultMaxBufferedAmount, HOST_SCOPE, SocketTracker, type SocketScope } from "./scope.js";
import { createWebSocketClass } from "./websocket.js";

export interface WebSocketsOptions {
  /**
   * Largest message a network WebSocket accepts, in bytes; a bigger one closes the connection with 1009.
   * @default 33554432 (32 MiB, the Workers runtime's limit)
   */
  maxMessageSize?: number;
  /**
   * Bytes sent to a network client that it may leave unread before flarelet drops the connection instead of
   * buffering more (see "Backpressure" in the README). @default 64 MiB, or twice maxMessageSize if larger
   */
  maxBufferedAmount?: number;
}

export interface WebSocketsPlugin extends Plugin {
  readonly name: "web-sockets";
  readonly maxMessageSize: number;
  /** How many WebSockets of the current load are open (for diagnostics and tests). */
  readonly openSockets: number;
}

/** The plugin's command-line flags, as data: the `flarelet` command builds its parser and help from them. */
export const webSocketsFlags: readonly CliFlag[] = [
  {
    name: "max-message-size",
    type: "integer",
    value: "BYTES",
    min: 1,
    default: String(DEFAULT_MAX_MESSAGE_SIZE),
    option: "maxMessageSize",
    description: "Largest WebSocket message accepted; bigger ones close the socket with 1009",
  },
];

/** Service Restart (RFC 6455 §7.4.1, IANA registry): what clients see when the worker reloads. */
const SERVICE_RESTART = 1012;
/** Going Away: what clients see when flarelet shuts down. */
const GOING_AWAY = 1001;

const check = pluginOptions("web-sockets");

/**
 * WebSockets for workers: `WebSocketPair`, `WebSocket` (with `new WebSocket(url)`), `MessageEvent`,
 * `CloseEvent` and a `fetch` that upgrades, overriding the `fetch` before it (core's, or an earlier
 * plugin's, which it calls for every other request). Every socket a load of the worker holds is closed
 * with 1012 "Service Restart" on reload and 1001 "Going Away" on dispose.
 */
export function webSocketsPlugin(options: WebSocketsOptions = {}): WebSocketsPlugin {
  const own = check.object(options, ["maxMessageSize", "maxBufferedAmount"]);
  const maxMessageSize = check.integer("maxMessageSize", own.maxMessageSize, 1, Number.MAX_SAFE_INTEGER) ?? DEFAULT_MAX_MESSAGE_SIZE;
  const maxBufferedAmount =
    check.integer("maxBufferedAmount", own.maxBufferedAmount, 1, Number.MAX_SAFE_INTEGER) ?? defaultMaxBufferedAmount(maxMessageSize);
  // Sockets are made in the scope of the load that is serving: its realm, compatibility date and tracker.
  // `beforeReload` prepares the next load's scope; `reload` switches to it once the new script ran, and
  // only then closes the previous load's sockets: if the new script fails to load, the previous version
  // keeps serving, and keeps its connections.
  let scope: SocketScope = { ...HOST_SCOPE, maxMessageSize, maxBufferedAmount, tracker: new SocketTracker() };
  let nextScope: SocketScope | undefined;
  const getScope = () => scope;
  return {
    name: "web-sockets",
    overrides: ["fetch"],
    maxMessageSize,
    get openSockets() {
      return scope.tracker?.size ?? 0;
    },
    setup(ctx: SetupContext) {
      // The worker's own classes: instances belong to the current load (its realm, its compatibility
      // date, its tracker) and are also instances of this package's WebSocket and WebSocketPair.
      const WebSocket = createWebSocketClass(getScope);
      const WebSocketPair = createWebSocketPairConstructor(getScope, WebSocket, HostWebSocketPair);
      const fetch = createUpgradingFetch(getScope, WebSocket, ctx.previous("fetch") as WorkersFetch);
      return { globals: { WebSocket, WebSocketPair, MessageEvent, CloseEvent, fetch } };
    },
    beforeReload(ctx: ReloadContext) {
      const global = ctx.globalScope as unknown as typeof globalThis;
      nextScope = {
        realm: { ArrayBuffer: global.ArrayBuffer, Uint8Array: global.Uint8Array },
        standardBinaryType: ctx.compatibility.isEnabled("websocket_standard_binary_type"),
        autoReplyToClose: ctx.compatibility.isEnabled("web_socket_auto_reply_to_close"),
        refuseUnknownProtocols: ctx.compatibility.isEnabled("fetch_refuses_unknown_protocols"),
        maxMessageSize,
        maxBufferedAmount,
        log: ctx.log,
        tracker: new SocketTracker(),
      };
    },
    reload() {
      if (nextScope === undefined) return;
      const previous = scope;
      scope = nextScope;
      nextScope = undefined;
      previous.tracker?.shutdownAll(SERVICE_RESTART, "Service Restart");
    },
    dispose() {
      nextScope?.tracker?.shutdownAll(GOING_AWAY, "Going Away");
      scope.tracker?.shutdownAll(GOING_AWAY, "Going Away");
    },
  };
}
