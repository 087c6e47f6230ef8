export { webSocketsFlags, webSocketsPlugin } from "./plugin.js";
export type { WebSocketsOptions, WebSocketsPlugin } from "./plugin.js";
export { WebSocket } from "./websocket.js";
export type { AcceptOptions, BinaryType, WebSocketEventMap } from "./websocket.js";
export { WebSocketPair } from "./pair.js";
export type { WebSocketPairConstructor } from "./pair.js";
export { CloseEvent, ErrorEvent, MessageEvent } from "./events.js";
export type { CloseEventInit, ErrorEventInit, MessageEventInit } from "./events.js";
export { assertCouplable, coupleWebSocket, maxMessageSizeOf } from "./couple.js";
export type { CoupleOptions } from "./couple.js";
export { DEFAULT_MAX_MESSAGE_SIZE } from "./scope.js";
export {
  isProtocolToken,
  isValidCloseCode,
  isWebSocketUpgrade,
  MAX_CLOSE_REASON_BYTES,
  splitProtocols,
  utf8Length,
  validateCloseArguments,
  validateProtocols,
  validateWebSocketUrl,
} from "./validation.js";
export { MESSAGES } from "./messages.js";
export { MAX_ATTACHMENT_SIZE } from "./attachment.js";
export { acceptanceOf, acceptHibernatable, HibernatableSocket, peerAwaitingCoupling, sinkOf } from "./hibernation.js";
export type { InboundSink, WebSocketAcceptance } from "./hibernation.js";
