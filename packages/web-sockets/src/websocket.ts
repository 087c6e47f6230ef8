/**
 * The Workers `WebSocket` and `WebSocketPair`, following workerd (`src/workerd/api/web-socket.c++`).
 *
 * A socket has an inbound side (events it dispatches to its listeners) and an outbound side (a `Transport`
 * that carries what `send()`/`close()` produce). For the two ends of a pair, each end's transport delivers
 * into the other end. When one end is returned in a 101 response and coupled to a network socket
 * (couple.ts), the other end's transport is switched to that network socket:
 *
 *     worker ──send()──► [server end] ──PeerTransport──► [client end] ──(queued until coupled)
 *                             ▲                                 after coupling:
 *                             └──────────── NetworkTransport ◄──► ws ◄──► browser
 *
 * Events that arrive before `accept()` queue and are dispatched, in order, once it is called (in a
 * microtask, so that listeners added right after `accept()` see them). The close handshake is the
 * runtime's: `close()` sends a Close and does not dispatch a local event; the peer's Close dispatches
 * "close" with `wasClean: true`; replying with `close()` is allowed, and from 2026-04-07
 * (`web_socket_auto_reply_to_close`) the reply is automatic unless `accept({ allowHalfOpen: true })`.
 */
import { formatError, isThenable, kResponseWebSocket } from "@flarelet/core/internal";
import { inspect, types, type InspectOptionsStylized } from "node:util";
import { CloseEvent, ErrorEvent, isImmediatePropagationStopped, MessageEvent, setEventTarget } from "./events.js";
import { invokeListener, ListenerList, type Listener, type ListenerOptions } from "./listeners.js";
import { MESSAGES } from "./messages.js";
import { copyInto, HOST_SCOPE, kShutdown, type SocketScope, type Tracked } from "./scope.js";
import { validateCloseArguments } from "./validation.js";

/** What a transport hands to the socket it feeds. Binary data is a copy in the receiving socket's realm. */
export type InboundEvent =
  | { readonly kind: "message"; readonly data: string | Uint8Array }
  | { readonly kind: "close"; readonly code: number; readonly reason: string; readonly wasClean: boolean }
  | { readonly kind: "error"; readonly error: unknown; readonly message: string }
  | { readonly kind: "open" };

/** Carries a socket's outbound traffic. */
export interface Transport {
  /** True for a network socket, false for the other end of a pair. */
  readonly remote: boolean;
  /** Sends a message. Binary data is a view of the caller's memory: copy it before returning. */
  send(data: string | Uint8Array): void;
  /** Sends a Close; `code` undefined sends one without a code (the peer sees 1005). */
  close(code: number | undefined, reason: string): void;
  /** Drops a network connection without a handshake; the remote side sees 1006. */
  abort(): void;
  /** Drops a network connection whose peer has not finished the close handshake within `ms`. */
  dropAfter?(ms: number): void;
  /** The end was accepted: a transport holding its reads until then starts reading. */
  accepted?(): void;
}

/**
 * On reload and dispose, how long a peer has to answer our Close before its connection is dropped. ws would
 * wait 30 s, holding the connection, and with it the embedding process, open that long.
 */
const SHUTDOWN_GRACE_MS = 1000;

export type BinaryType = "blob" | "arraybuffer";

/** The events a WebSocket dispatches, for typed `addEventListener` calls. */
export interface WebSocketEventMap {
  open: Event;
  message: MessageEvent;
  close: CloseEvent;
  error: ErrorEvent;
}

type TypedListener<E extends Event> = ((event: E) => unknown) | { handleEvent(event: E): unknown };

export interface AcceptOptions {
  /** Do not answer a received Close automatically (only matters from 2026-04-07). @default false */
  allowHalfOpen?: boolean;
}

type Phase =
  | "connecting" // made by `new WebSocket(url)`, not open yet
  | "pending" // a pair end or fetch() socket waiting for accept() or to be returned in a Response
  | "accepted"
  | "released"; // returned in a Response and coupled: the runtime, not the worker, owns it now

// Friend access for the other files of this package; not exported from the package.
export const kReceive = Symbol("flarelet.receive");
export const kReceiveLater = Symbol("flarelet.receiveLater");
export const kAttachTransport = Symbol("flarelet.attachTransport");
export const kClaim = Symbol("flarelet.claim");
export const kCheckCouplable = Symbol("flarelet.checkCouplable");
export const kConnected = Symbol("flarelet.connected");
export const kSetLabel = Symbol("flarelet.setLabel");
export const kTransport = Symbol("flarelet.transport");
export const kScope = Symbol("flarelet.scope");
export const kConnectFailed = Symbol("flarelet.connectFailed");
export const kAccepted = Symbol("flarelet.accepted");

/** Per-worker subclasses (see plugin.ts) and the scope their instances belong to. */
const scopeProviders = new WeakMap<object, () => SocketScope>();
export function bindScope(constructor: object, provider: () => SocketScope): void {
  scopeProviders.set(constructor, provider);
}

/** Set while a pair (or the upgrading fetch) creates an end: the end skips the `new WebSocket(url)` path. */
let internalScope: SocketScope | undefined;
export function createEnd(EndClass: typeof WebSocket, scope: SocketScope): WebSocket {
  internalScope = scope;
  try {
    return new (EndClass as unknown as new () => WebSocket)();
  } finally {
    internalScope = undefined;
  }
}

/** Opens `new WebSocket(url)` sockets; set by client.ts (which needs `ws`, loaded only when used). */
export type ClientConnector = (socket: WebSocket, url: string, protocols: string | string[] | undefined, scope: SocketScope) => void;
let connectClient: ClientConnector | undefined;
export function setClientConnector(connector: ClientConnector): void {
  connectClient = connector;
}

export class WebSocket implements EventTarget, Tracked {
  static readonly READY_STATE_CONNECTING = 0;
  static readonly READY_STATE_OPEN = 1;
  static readonly READY_STATE_CLOSING = 2;
  static readonly READY_STATE_CLOSED = 3;
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;

  readonly #scope: SocketScope;
  readonly #listeners = new ListenerList();
  #transport: Transport | null = null;
  #phase: Phase = "pending";
  #closedOutgoing = false;
  #closedIncoming = false;
  /** This side's own `close()` was called (the SPEC's "already closed" rule). */
  #userClosed = false;
  #errored = false;
  /** Set on reload/dispose for network sockets: nothing more reaches the old worker. */
  #dead = false;
  #allowHalfOpen = false;
  #binaryType: BinaryType;
  #queue: InboundEvent[] = [];
  #flushScheduled = false;
  #url: string | null = null;
  #protocol: string | null = "";
  #extensions: string | null = "";
  #label = "a WebSocketPair end";

  constructor(url: string | URL, protocols?: string | string[]) {
    const internal = internalScope;
    this.#scope = internal ?? scopeProviders.get(new.target)?.() ?? HOST_SCOPE;
    this.#binaryType = this.#scope.standardBinaryType ? "blob" : "arraybuffer";
    this.#scope.tracker?.add(this);
    if (internal !== undefined) return;
    // `new WebSocket(url, protocols)`: a client connection (client.ts).
    this.#phase = "connecting";
    this.#url = String(url);
    this.#label = `new WebSocket(${this.#url})`;
    if (connectClient === undefined) throw new Error("flarelet: the WebSocket client is not loaded");
    try {
      connectClient(this, this.#url, protocols, this.#scope);
    } catch (error) {
      this.#scope.tracker?.delete(this);
      throw error;
    }
  }

  get [kResponseWebSocket](): true {
    return true;
  }

  get readyState(): number {
    if (this.#phase === "connecting") return WebSocket.CONNECTING;
    if ((this.#closedIncoming && this.#closedOutgoing) || this.#errored) return WebSocket.CLOSED;
    if (this.#closedIncoming || this.#closedOutgoing) return WebSocket.CLOSING;
    return WebSocket.OPEN;
  }

  /** The URL given to `new WebSocket(url)`; null for pair ends and `fetch()` sockets. */
  get url(): string | null {
    return this.#url;
  }

  /** The negotiated subprotocol: "" until connected, null if the server chose none. */
  get protocol(): string | null {
    return this.#protocol;
  }

  /** The negotiated extensions: "" until connected, null if none. */
  get extensions(): string | null {
    return this.#extensions;
  }

  /** How binary messages arrive: "blob" (default from 2026-03-17) or "arraybuffer". Other values are ignored. */
  get binaryType(): BinaryType {
    return this.#binaryType;
  }

  set binaryType(value: BinaryType) {
    if (value === "blob" || value === "arraybuffer") this.#binaryType = value;
  }

  accept(options?: AcceptOptions): void {
    if (this.#phase === "connecting") throw new TypeError(MESSAGES.acceptOnClientSocket);
    if (this.#phase === "released") throw new TypeError(MESSAGES.acceptAfterUse);
    if (this.#phase === "accepted") return;
    this.#phase = "accepted";
    this.#allowHalfOpen = options?.allowHalfOpen === true;
    this.#transport?.accepted?.();
    if (this.#queue.length > 0) this.#scheduleFlush();
  }

  send(message: unknown): void {
    if (this.#userClosed) throw new TypeError(MESSAGES.sendAfterClose);
    // The peer went away, the runtime already replied to its Close, or the socket was handed over:
    // workerd ignores the message silently.
    if (this.#closedOutgoing || this.#errored || this.#dead || this.#phase === "released") return;
    if (this.#phase !== "accepted" || this.#transport === null) throw new TypeError(MESSAGES.notAccepted);
    this.#transport.send(toOutgoing(message));
  }

  close(code?: number, reason?: string): void {
    const closeCode = code === undefined ? undefined : Number(code);
    const closeReason = reason === undefined ? undefined : String(reason);
    // Arguments are checked before the state, as workerd does since 2026-02.
    validateCloseArguments(closeCode, closeReason);
    if (this.#phase === "connecting") {
      // workerd cancels the handshake: "error", then "close" 1006.
      this.#userClosed = true;
      this.#transport?.abort();
      return;
    }
    if (this.#userClosed) throw new TypeError(MESSAGES.alreadyClosed);
    if (this.#closedOutgoing || this.#errored || this.#dead || this.#phase === "released") return;
    if (this.#phase !== "accepted") throw new TypeError(MESSAGES.notAccepted);
    this.#userClosed = true;
    this.#closeOutgoing(closeCode, closeReason ?? "");
  }

  addEventListener<K extends keyof WebSocketEventMap>(
    type: K,
    listener: TypedListener<WebSocketEventMap[K]> | null,
    options?: boolean | ListenerOptions,
  ): void;
  addEventListener(type: string, listener: Listener | null, options?: boolean | ListenerOptions): void;
  addEventListener(type: string, listener: Listener | null, options?: boolean | ListenerOptions): void {
    this.#listeners.add(type, listener, options);
  }

  removeEventListener<K extends keyof WebSocketEventMap>(
    type: K,
    listener: TypedListener<WebSocketEventMap[K]> | null,
    options?: boolean | ListenerOptions,
  ): void;
  removeEventListener(type: string, listener: Listener | null, options?: boolean | ListenerOptions): void;
  removeEventListener(type: string, listener: Listener | null, options?: boolean | ListenerOptions): void {
    this.#listeners.remove(type, listener, options);
  }

  dispatchEvent(event: Event): boolean {
    this.#dispatch(event);
    return !event.defaultPrevented;
  }

  // -------------------------------------------------------------------------------------------------
  // Friend methods (other files of this package)

  /** Delivers an event from the transport, synchronously when nothing is queued ahead of it. */
  [kReceive](event: InboundEvent): void {
    if (this.#dead) return;
    if (this.#phase === "accepted" && this.#queue.length === 0) this.#deliver(event);
    else if (this.#phase !== "released") {
      this.#queue.push(event);
      if (this.#phase === "accepted") this.#scheduleFlush();
    } else this.#queue.push(event);
  }

  /** Delivers an event from the other end of a pair, in a microtask (as the runtime's pipe does). */
  [kReceiveLater](event: InboundEvent): void {
    if (this.#dead) return;
    if (event.kind === "message" && typeof event.data !== "string") {
      event = { kind: "message", data: copyInto(this.#scope.realm, event.data) };
    }
    this.#queue.push(event);
    if (this.#phase === "accepted") this.#scheduleFlush();
  }

  [kAttachTransport](transport: Transport): void {
    this.#transport = transport;
  }

  get [kTransport](): Transport | null {
    return this.#transport;
  }

  get [kScope](): SocketScope {
    return this.#scope;
  }

  [kSetLabel](label: string): void {
    this.#label = label;
  }

  /** Whether the worker has accepted this end (coupling holds a client's traffic until it does). */
  get [kAccepted](): boolean {
    return this.#phase === "accepted";
  }

  /** Throws the runtime's error if this socket cannot be returned in a Response and coupled. */
  [kCheckCouplable](): void {
    if (this.#phase === "connecting") throw new TypeError(MESSAGES.coupleClientSocket);
    if (this.#phase === "released") throw new TypeError(MESSAGES.coupleUsed);
    if (this.#phase === "accepted") throw new TypeError(MESSAGES.coupleAccepted);
  }

  /**
   * Hands this end over to be coupled: from now on the runtime owns it. Returns the events queued for it
   * (what the worker sent before the response) and its transport (to the other end, for a pair).
   */
  [kClaim](): { pending: InboundEvent[]; transport: Transport | null } {
    this[kCheckCouplable]();
    this.#phase = "released";
    this.#scope.tracker?.delete(this);
    const pending = this.#queue;
    this.#queue = [];
    return { pending, transport: this.#transport };
  }

  /** A `new WebSocket()` connection opened (or a failure was reported through the queue). */
  [kConnected](info: { protocol: string | null; extensions: string | null }): void {
    this.#protocol = info.protocol;
    this.#extensions = info.extensions;
    this.#phase = "accepted";
    this[kReceive]({ kind: "open" });
  }

  /** A `new WebSocket()` connection failed: "error", then "close" 1006, as workerd reports it. */
  [kConnectFailed](error: unknown, message: string): void {
    if (this.#dead) return;
    this.#phase = "accepted";
    this[kReceive]({ kind: "error", error, message });
    this[kReceive]({ kind: "close", code: 1006, reason: MESSAGES.connectFailedReason, wasClean: false });
  }

  /** Reload and dispose: close with 1012/1001 without the user-facing checks. */
  [kShutdown](code: number, reason: string): void {
    if (this.#phase === "connecting") {
      this.#transport?.abort();
    } else if (!this.#closedOutgoing && this.#phase !== "released") {
      this.#closeOutgoing(code, reason);
    }
    if (this.#phase !== "released") this.#transport?.dropAfter?.(SHUTDOWN_GRACE_MS);
    // A network socket has no other end in this process: stop dispatching into the old worker. A pair's
    // other end keeps receiving, so that it sees this Close.
    if (this.#transport?.remote !== false) this.#dead = true;
  }

  // -------------------------------------------------------------------------------------------------

  #closeOutgoing(code: number | undefined, reason: string): void {
    this.#closedOutgoing = true;
    this.#transport?.close(code, reason);
    this.#checkFinished();
  }

  #checkFinished(): void {
    if ((this.#closedIncoming && this.#closedOutgoing) || this.#errored) this.#scope.tracker?.delete(this);
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    queueMicrotask(() => this.#flush());
  }

  #flush(): void {
    this.#flushScheduled = false;
    const queue = this.#queue;
    this.#queue = [];
    for (let index = 0; index < queue.length; index++) {
      if (this.#dead || this.#phase !== "accepted") {
        // Keep what could not be delivered, in order, ahead of anything that arrived meanwhile.
        this.#queue = [...queue.slice(index), ...this.#queue];
        return;
      }
      this.#deliver(queue[index]!);
    }
  }

  #deliver(event: InboundEvent): void {
    switch (event.kind) {
      case "message":
        // RFC 6455 §1.4: after the peer's Close, data is discarded.
        if (this.#closedIncoming) return;
        this.#dispatch(new MessageEvent("message", { data: this.#messageData(event.data) }));
        return;
      case "close":
        if (this.#closedIncoming) return;
        this.#closedIncoming = true;
        if (!event.wasClean) {
          this.#closedOutgoing = true; // nothing can be sent on a connection that is gone
        } else if (this.#scope.autoReplyToClose && !this.#allowHalfOpen && !this.#closedOutgoing) {
          // web_socket_auto_reply_to_close: echo the peer's code (RFC 6455 §5.5.1).
          this.#closedOutgoing = true;
          this.#transport?.close(event.code === 1005 ? undefined : event.code, event.reason);
        }
        this.#checkFinished();
        this.#dispatch(new CloseEvent("close", { code: event.code, reason: event.reason, wasClean: event.wasClean }));
        return;
      case "error":
        if (this.#errored) return; // the runtime reports the first error only
        this.#errored = true;
        this.#checkFinished();
        this.#dispatch(new ErrorEvent("error", { error: event.error, message: event.message }));
        return;
      case "open":
        this.#dispatch(new Event("open"));
        return;
    }
  }

  #messageData(data: string | Uint8Array): unknown {
    if (typeof data === "string") return data;
    if (this.#binaryType === "blob") return new Blob([data]);
    const { realm } = this.#scope;
    const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
    // Transports already copy into this socket's realm; copy again only if they could not.
    if (whole && Object.getPrototypeOf(data.buffer) === realm.ArrayBuffer.prototype) return data.buffer;
    return copyInto(realm, data).buffer;
  }

  #dispatch(event: Event): void {
    setEventTarget(event, this);
    const listeners = this.#listeners.take(event.type);
    if (listeners === undefined) return;
    for (const entry of listeners) {
      if (entry.removed) continue;
      try {
        const returned = invokeListener(entry, this, event);
        if (isThenable(returned)) returned.then(undefined, (error: unknown) => this.#listenerFailed(event.type, error));
      } catch (error) {
        this.#listenerFailed(event.type, error);
      }
      if (isImmediatePropagationStopped(event)) break;
    }
  }

  /** A listener threw: log it, close this socket with 1011, and let everything else go on. */
  #listenerFailed(type: string, error: unknown): void {
    this.#scope.log.error(
      `Uncaught exception in a WebSocket "${type}" listener of ${this.#label}; closing it with 1011.\n${formatError(error)}`,
    );
    if (!this.#closedOutgoing && this.#phase === "accepted" && !this.#dead) {
      this.#closeOutgoing(1011, "Internal Error");
    }
  }
}

/**
 * A WebSocket is an EventTarget (`instanceof EventTarget` holds, in the worker too) without running
 * EventTarget's constructor: the socket keeps its own listeners (listeners.ts), and Node's constructor
 * would give every socket two empty Maps it never uses, a few hundred bytes per open connection.
 */
Object.setPrototypeOf(WebSocket.prototype, EventTarget.prototype);
Object.setPrototypeOf(WebSocket, EventTarget);
// EventTarget's own inspect reads state this class does not have; show what a user wants to see instead.
Object.defineProperty(WebSocket.prototype, inspect.custom, {
  value(this: WebSocket, depth: number, options: InspectOptionsStylized) {
    const state = { readyState: this.readyState, url: this.url, protocol: this.protocol, binaryType: this.binaryType };
    return `${this.constructor.name} ${inspect(state, { ...options, depth: depth - 1 })}`;
  },
});

/**
 * What `send()` puts on the wire. workerd takes `ArrayBuffer | ArrayBufferView | string` and converts
 * anything else to a string (`send(123)` sends "123"); binary data is copied by the transport at once, so
 * that changing the buffer after `send()` changes nothing.
 */
function toOutgoing(message: unknown): string | Uint8Array {
  if (typeof message === "string") return message;
  if (types.isAnyArrayBuffer(message)) return new Uint8Array(message);
  if (ArrayBuffer.isView(message)) return new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
  return `${message as string}`;
}
