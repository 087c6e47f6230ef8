/**
 * What travels between a WebSocket end (endpoint.ts) and the `Transport` that carries its traffic: the
 * events a transport delivers, and what `send()` puts on the wire.
 */
import { types } from "node:util";

/** What a transport hands to the end it feeds. Binary data is a copy in the receiving end's realm. */
export type InboundEvent =
  | { readonly kind: "message"; readonly data: string | Uint8Array }
  | { readonly kind: "close"; readonly code: number; readonly reason: string; readonly wasClean: boolean }
  | { readonly kind: "error"; readonly error: unknown; readonly message: string }
  | { readonly kind: "open" };

/**
 * Where the inbound traffic of an end a Durable Object accepted with `ctx.acceptWebSocket()` goes (its
 * `webSocketMessage`/`webSocketClose`/`webSocketError` handlers) instead of the end's listeners.
 */
export interface InboundSink {
  /** A message; binary data is an ArrayBuffer of the end's realm (whatever its `binaryType`, as in workerd). */
  message(data: string | ArrayBuffer): void;
  close(code: number, reason: string, wasClean: boolean): void;
  error(error: unknown): void;
}

/** Carries an end's outbound traffic: to the other end of a pair, or over a network connection. */
export interface Transport {
  /** Sends a message. Binary data is a view of the caller's memory: copy it before returning. */
  send(data: string | Uint8Array): void;
  /** Sends a Close; `code` undefined sends one without a code (the peer sees 1005). */
  close(code: number | undefined, reason: string): void;
  /** Drops a network connection without a handshake; the remote side sees 1006. */
  abort(): void;
  /** The end was accepted: a transport holding its reads until then starts reading. */
  accepted?(): void;
  /**
   * The load that owns the end ended (a network connection only; a pair's other end keeps receiving, so
   * that it sees the Close): deliver nothing more to the end, and drop the connection if the peer has not
   * finished the close handshake within `graceMs`.
   */
  detach?(graceMs: number): void;
}

/**
 * What `send()` puts on the wire. workerd takes `ArrayBuffer | ArrayBufferView | string` and converts
 * anything else to a string (`send(123)` sends "123"); binary data is copied by the transport at once, so
 * that changing the buffer after `send()` changes nothing.
 */
export function toOutgoing(message: unknown): string | Uint8Array {
  if (typeof message === "string") return message;
  if (types.isAnyArrayBuffer(message)) return new Uint8Array(message);
  if (ArrayBuffer.isView(message)) return new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
  return `${message as string}`;
}
