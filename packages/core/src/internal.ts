/**
 * `@flarelet/core/internal`: only the brand that lets another package's object ride in a Response as its
 * `webSocket` (`@flarelet/web-sockets` puts it on its `WebSocket`). Everything else a plugin needs is in
 * the public API (README, "The plugin interface").
 */
export { kResponseWebSocket, isResponseWebSocket } from "./standards/response.js";
