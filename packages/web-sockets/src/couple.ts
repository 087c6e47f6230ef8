/**
 * Coupling: the server side of a WebSocket upgrade. The worker answered with `101` and the client end of a
 * `WebSocketPair`; the http-server package completed the handshake with `ws`. From now on the client's
 * traffic goes to the worker's end of the pair, and the worker's `send()`/`close()` go to the client:
 *
 *     client ◄──► ws ◄── NetworkTransport ──► worker's end        (the returned end is "released")
 *
 * Messages and a Close the worker sent before its response was returned were queued on the returned end;
 * they go out first, in order. Close codes travel both ways exactly: no code is 1005, a vanished
 * connection is 1006 (miniflare#284, #465).
 */
import type { WebSocket as WsSocket } from "ws";
import { DEFAULT_MAX_MESSAGE_SIZE } from "./scope.js";
import { NetworkTransport } from "./transport.js";
import { PeerTransport } from "./peer-transport.js";
import { endpointOf, WebSocket } from "./websocket.js";

export interface CoupleOptions {
  /** Who the client is, for log lines: "GET /chat from 127.0.0.1:53124". */
  label?: string;
}

/**
 * Throws the runtime's TypeError if `webSocket` cannot be returned in a Response and coupled: it was
 * already used in a response, accepted, or made by `new WebSocket()`. Call it before completing the
 * handshake, so that the client can get a 500 instead.
 */
export function assertCouplable(webSocket: unknown): asserts webSocket is WebSocket {
  if (!(webSocket instanceof WebSocket)) {
    throw new TypeError("Incorrect type for the 'webSocket' field on 'ResponseInit': the provided value is not of type 'WebSocket'.");
  }
  const end = endpointOf(webSocket);
  end.assertCouplable();
  if (!(end.transport instanceof PeerTransport)) {
    // A socket from fetch() would have to be relayed to the client; flarelet does not do that yet.
    throw new TypeError("flarelet cannot yet return a WebSocket obtained from fetch() in a Response.");
  }
}

/**
 * The largest message the other end of `webSocket` (a pair end the worker returned) accepts from a network
 * client: the `maxMessageSize` of the web-sockets plugin of the worker that made the pair (the default, 32
 * MiB, for anything else). A server gives it to `ws` as `maxPayload`, so that a bigger message closes the
 * connection with 1009 before it is buffered.
 */
export function maxMessageSizeOf(webSocket: unknown): number {
  return webSocket instanceof WebSocket ? endpointOf(webSocket).scope.maxMessageSize : DEFAULT_MAX_MESSAGE_SIZE;
}

/** Couples `ws` (handshake complete) with the pair end the worker returned. Call in the same tick. */
export function coupleWebSocket(ws: WsSocket, webSocket: WebSocket, options: CoupleOptions = {}): void {
  assertCouplable(webSocket);
  const { pending, transport } = endpointOf(webSocket).claim();
  const workerEnd = (transport as PeerTransport).peer;
  const { scope } = workerEnd;
  const label = options.label ?? "a coupled WebSocket";
  workerEnd.label = label;
  const network = new NetworkTransport(ws, workerEnd, {
    realm: scope.realm,
    log: scope.log,
    maxMessageSize: scope.maxMessageSize,
    maxBufferedAmount: scope.maxBufferedAmount,
    label,
    holdUntilAccepted: !workerEnd.accepted,
  });
  for (const event of pending) {
    if (event.kind === "message") network.send(event.data);
    else if (event.kind === "close") {
      if (event.wasClean) network.close(event.code === 1005 ? undefined : event.code, event.reason);
      else network.abort();
    }
  }
  workerEnd.attach(network);
  network.start();
}
