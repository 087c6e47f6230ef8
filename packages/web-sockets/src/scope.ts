import { Log } from "@flarelet/core";

/** The intrinsics of the realm a socket delivers binary data into. */
export interface Realm {
  readonly ArrayBuffer: ArrayBufferConstructor;
  readonly Uint8Array: Uint8ArrayConstructor;
}

/** Something that lives as long as a load of the worker and must be shut when the load ends. */
export interface Tracked {
  /** Closes with `code`/`reason` and stops delivering events into the old worker where that is safe. */
  shutdown(code: number, reason: string): void;
}

/**
 * Every WebSocket one load of the worker holds (pair ends, `fetch()` sockets, `new WebSocket()` sockets), so
 * that reload closes them with 1012 and dispose with 1001 (miniflare#173: the real runtime's restart drops
 * them). Sockets leave the set when both directions are closed.
 */
export class SocketTracker {
  readonly #sockets = new Set<Tracked>();

  add(socket: Tracked): void {
    this.#sockets.add(socket);
  }

  delete(socket: Tracked): void {
    this.#sockets.delete(socket);
  }

  get size(): number {
    return this.#sockets.size;
  }

  shutdownAll(code: number, reason: string): void {
    const sockets = [...this.#sockets];
    this.#sockets.clear();
    for (const socket of sockets) socket.shutdown(code, reason);
  }
}

/** Everything a socket needs to know about the worker it belongs to, fixed when the socket is made. */
export interface SocketScope {
  readonly realm: Realm;
  /** `websocket_standard_binary_type`: binaryType defaults to "blob". */
  readonly standardBinaryType: boolean;
  /** `web_socket_auto_reply_to_close`: a received Close is answered unless allowHalfOpen. */
  readonly autoReplyToClose: boolean;
  /** `fetch_refuses_unknown_protocols`: fetch("ws://…") throws instead of rewriting to http. */
  readonly refuseUnknownProtocols: boolean;
  /** Inbound message limit for network sockets; over it the connection closes with 1009. */
  readonly maxMessageSize: number;
  /** Outbound bytes a network client may leave unread before it is dropped (transport.ts). */
  readonly maxBufferedAmount: number;
  readonly log: Log;
  readonly tracker: SocketTracker | undefined;
}

/** 32 MiB, the real runtime's limit since 2025-10 (workerd b78d0b69d). */
export const DEFAULT_MAX_MESSAGE_SIZE = 32 * 1024 * 1024;

/** 64 MiB, or two maximum-size messages if that is more. */
export function defaultMaxBufferedAmount(maxMessageSize: number): number {
  return Math.max(64 * 1024 * 1024, 2 * maxMessageSize);
}

/** The scope of sockets made by host code (not inside a worker): host realm, oldest behaviour, untracked. */
export const HOST_SCOPE: SocketScope = {
  realm: { ArrayBuffer, Uint8Array },
  standardBinaryType: false,
  autoReplyToClose: false,
  refuseUnknownProtocols: false,
  maxMessageSize: DEFAULT_MAX_MESSAGE_SIZE,
  maxBufferedAmount: defaultMaxBufferedAmount(DEFAULT_MAX_MESSAGE_SIZE),
  log: new Log(),
  tracker: undefined,
};

/** Copies bytes into a fresh buffer of `realm`. */
export function copyInto(realm: Realm, bytes: Uint8Array): Uint8Array {
  const copy = new realm.Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy;
}

/** `data` as an ArrayBuffer of `realm`: its own buffer when it is one already (transports copy into the realm). */
export function arrayBufferIn(realm: Realm, data: Uint8Array): ArrayBuffer {
  const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
  if (whole && Object.getPrototypeOf(data.buffer) === realm.ArrayBuffer.prototype) return data.buffer as ArrayBuffer;
  return copyInto(realm, data).buffer as ArrayBuffer;
}
