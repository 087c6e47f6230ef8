/**
 * What the Durable Objects Hibernation API (`@flarelet/durable-objects`) needs of a WebSocket: to accept an
 * end so that its traffic goes to the object's handlers instead of its listeners, to answer an
 * auto-response without the object, and to give the object new WebSocket objects after it hibernated.
 *
 *     ctx.acceptWebSocket(server) ─► acceptHibernatable(server, sink) ─► HibernatableSocket
 *        client's message ─► Endpoint ─► sink.message() ─► webSocketMessage(socket.webSocket, message)
 *        the object hibernates ─► socket.hibernate(): its WebSocket object is forgotten, the connection stays
 *        the next event ─► socket.webSocket is a new WebSocket for the same connection (as in workerd)
 *
 * The connection itself (the `Endpoint`, its transport, the `ws` socket) never depends on the object being
 * in memory, which is what lets a hibernated object's sockets cost little more than the raw connections.
 */
import type { Endpoint } from "./endpoint.js";
import { PeerTransport } from "./peer-transport.js";
import { endpointOf, rewrap, WebSocket } from "./websocket.js";
import type { InboundSink } from "./wire.js";

export type { InboundSink } from "./wire.js";

/** A stand-in for the WebSocket object of a hibernated end, so that the old object can be collected. */
const HIBERNATED = Object.freeze({});

/** How a socket was accepted: not yet (or never), with `accept()`, or with `ctx.acceptWebSocket()`. */
export type WebSocketAcceptance = "none" | "accept" | "hibernatable";

export function acceptanceOf(webSocket: WebSocket): WebSocketAcceptance {
  const end = endpointOf(webSocket);
  if (end.sink !== undefined) return "hibernatable";
  return end.accepted ? "accept" : "none";
}

/**
 * Whether the other end of `webSocket`'s pair is still waiting to be accepted or returned in a Response
 * (workerd's `peerIsAwaitingCoupling`): only then may the object accept this end. False for a socket of
 * no pair (`fetch()`, `new WebSocket()`).
 */
export function peerAwaitingCoupling(webSocket: WebSocket): boolean {
  const transport = endpointOf(webSocket).transport;
  return transport instanceof PeerTransport && transport.peer.state.kind === "pending";
}

/** The sink `ctx.acceptWebSocket()` gave `webSocket`, if it accepted it. */
export function sinkOf(webSocket: WebSocket): InboundSink | undefined {
  return endpointOf(webSocket).sink;
}

/**
 * Accepts `webSocket` (a pending end) for a Durable Object: its messages, Close and errors go to `sink`
 * from now on. Throws workerd's TypeError for an end in any other state.
 */
export function acceptHibernatable(webSocket: WebSocket, sink: InboundSink): HibernatableSocket {
  const end = endpointOf(webSocket);
  end.acceptHibernatable(sink);
  return new HibernatableSocket(webSocket, end);
}

/** One hibernatable connection, as the Durable Object's socket list holds it. */
export class HibernatableSocket {
  readonly #end: Endpoint;
  /** The class of the object's WebSocket objects (its load's own). */
  readonly #SocketClass: typeof WebSocket;
  #face: WebSocket | undefined;

  constructor(webSocket: WebSocket, end: Endpoint) {
    this.#end = end;
    this.#SocketClass = webSocket.constructor as typeof WebSocket;
    this.#face = webSocket;
  }

  /** The WebSocket object the Durable Object sees: the one it accepted, or after hibernation a new one. */
  get webSocket(): WebSocket {
    return (this.#face ??= rewrap(this.#SocketClass, this.#end));
  }

  /** The object hibernated: its WebSocket object is forgotten; the connection stays open. */
  hibernate(): void {
    this.#face = undefined;
    this.#end.socket = HIBERNATED;
  }

  /**
   * Sends an auto-response (`ctx.setWebSocketAutoResponse()`) without the object, unless this side's Close
   * has gone out (workerd skips it then).
   */
  sendAutoResponse(text: string): void {
    if (this.#end.state.kind === "open") this.#end.transport?.send(text);
  }

  /** Drops the connection without a Close (the object was reset); the peer sees 1006. */
  abort(): void {
    this.#end.transport?.abort();
  }
}
