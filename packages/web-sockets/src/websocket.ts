/**
 * The Workers `WebSocket`, following workerd (`src/workerd/api/web-socket.c++`).
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
 * This class is what the worker holds: it checks the worker's arguments and hands everything else to the
 * socket's `Endpoint` (endpoint.ts), whose state is one value of socket-state.ts. The other files of the
 * package reach the endpoint through `endpointOf()`, the one way in.
 *
 * Where a socket's scope (realm, compatibility date, tracker; scope.ts) comes from: an end the runtime
 * makes (`new WebSocketPair()`, `fetch()`) is given its scope by `createEnd`; a socket the worker makes with
 * `new WebSocket(url)` takes the scope of the class it constructed (each load has its own subclass, made by
 * `createWebSocketClass`; this package's own class has the host's scope).
 */
import type { Listener, ListenerOptions } from "@flarelet/core";
import { kResponseWebSocket } from "@flarelet/core/internal";
import { inspect, type InspectOptionsStylized } from "node:util";
import { deserializeAttachment, serializeAttachment } from "./attachment.js";
import { connectClient } from "./client.js";
import { Endpoint, type AcceptOptions, type BinaryType } from "./endpoint.js";
import { defineEventHandlers } from "./event-handlers.js";
import { MESSAGES } from "./messages.js";
import type { CloseEvent, ErrorEvent, MessageEvent } from "./events.js";
import { HOST_SCOPE, type SocketScope } from "./scope.js";
import { PROPERTIES, STATES } from "./socket-state.js";
import { validateCloseArguments } from "./validation.js";

export type { AcceptOptions, BinaryType } from "./endpoint.js";

/** The events a WebSocket dispatches, for typed `addEventListener` calls. */
export interface WebSocketEventMap {
  open: Event;
  message: MessageEvent;
  close: CloseEvent;
  error: ErrorEvent;
}

type TypedListener<E extends Event> = ((event: E) => unknown) | { handleEvent(event: E): unknown };

/** Passed as the URL by `createEnd`: this socket is an end the runtime makes, not a `new WebSocket(url)`. */
const kEnd = Symbol("flarelet.webSocketEnd");
/** Passed as the URL by `rewrap`: a new face for an existing end (a Durable Object woke from hibernation). */
const kRewrap = Symbol("flarelet.webSocketRewrap");

/** Each load's `WebSocket` class and the scope its `new WebSocket(url)` sockets belong to. */
const classScopes = new WeakMap<object, () => SocketScope>();

let endpointOfSocket: (socket: WebSocket) => Endpoint;

export class WebSocket implements EventTarget {
  static readonly READY_STATE_CONNECTING = 0;
  static readonly READY_STATE_OPEN = 1;
  static readonly READY_STATE_CLOSING = 2;
  static readonly READY_STATE_CLOSED = 3;
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;

  static {
    endpointOfSocket = (socket) => socket.#end;
  }

  readonly #end: Endpoint;
  readonly #url: string | null;

  constructor(url: string | URL, protocols?: string | string[]) {
    if ((url as unknown) === kEnd) {
      this.#url = null;
      this.#end = new Endpoint(this, protocols as unknown as SocketScope, STATES.pending, "a WebSocketPair end");
      return;
    }
    if ((url as unknown) === kRewrap) {
      this.#url = null;
      this.#end = protocols as unknown as Endpoint;
      this.#end.socket = this;
      return;
    }
    // `new WebSocket(url, protocols)`: a client connection (client.ts).
    if (url === undefined) throw new TypeError(MESSAGES.constructWithoutUrl);
    const scope = classScopes.get(new.target)?.() ?? HOST_SCOPE;
    this.#url = String(url);
    this.#end = new Endpoint(this, scope, STATES.connecting, `new WebSocket(${this.#url})`);
    try {
      connectClient(this.#end, this.#url, protocols);
    } catch (error) {
      scope.tracker?.delete(this.#end);
      throw error;
    }
  }

  get [kResponseWebSocket](): true {
    return true;
  }

  get readyState(): number {
    return PROPERTIES[this.#end.state.kind].readyState;
  }

  /** The URL given to `new WebSocket(url)`; null for pair ends and `fetch()` sockets. */
  get url(): string | null {
    return this.#url;
  }

  /** The negotiated subprotocol: "" until connected, null if the server chose none. */
  get protocol(): string | null {
    return this.#end.protocol;
  }

  /** The negotiated extensions: "" until connected, null if none. */
  get extensions(): string | null {
    return this.#end.extensions;
  }

  /** How binary messages arrive: "blob" (default from 2026-03-17) or "arraybuffer". Other values are ignored. */
  get binaryType(): BinaryType {
    return this.#end.binaryType;
  }

  set binaryType(value: BinaryType) {
    if (value === "blob" || value === "arraybuffer") this.#end.binaryType = value;
  }

  accept(options?: AcceptOptions): void {
    // WebIDL: a dictionary argument is undefined, null or an object.
    if (options !== undefined && options !== null && typeof options !== "object" && typeof options !== "function") {
      throw new TypeError(MESSAGES.acceptOptions);
    }
    this.#end.accept(options ?? undefined);
  }

  send(message: unknown): void {
    if (message === undefined) throw new TypeError(MESSAGES.sendNothing);
    this.#end.send(message);
  }

  /** Keeps a structured-clone copy of `value` with this socket (at most 16 KiB serialised). */
  serializeAttachment(value: unknown): void {
    if (arguments.length === 0) throw new TypeError(MESSAGES.serializeAttachmentNothing);
    // Kept with the connection (its Endpoint), not this object: a Durable Object that wakes from
    // hibernation sees new WebSocket objects with the same attachments.
    serializeAttachment(this.#end, value);
  }

  /** A copy of the value given to `serializeAttachment()`, or null. */
  deserializeAttachment(): unknown {
    return deserializeAttachment(this.#end);
  }

  close(code?: number, reason?: string): void {
    // WebIDL converts the code to an integer (workerd: `jsg::Optional<int>`): 1000.5 is 1000.
    const closeCode = code === undefined ? undefined : toInteger(Number(code));
    const closeReason = reason === undefined ? undefined : String(reason);
    // Arguments are checked before the state, as workerd does since 2026-02.
    validateCloseArguments(closeCode, closeReason);
    this.#end.close(closeCode, closeReason);
  }

  addEventListener<K extends keyof WebSocketEventMap>(
    type: K,
    listener: TypedListener<WebSocketEventMap[K]> | null,
    options?: boolean | ListenerOptions,
  ): void;
  addEventListener(type: string, listener: Listener | null, options?: boolean | ListenerOptions): void;
  addEventListener(type: string, listener: Listener | null, options?: boolean | ListenerOptions): void {
    this.#end.listeners.add(type, listener, options);
  }

  removeEventListener<K extends keyof WebSocketEventMap>(
    type: K,
    listener: TypedListener<WebSocketEventMap[K]> | null,
    options?: boolean | ListenerOptions,
  ): void;
  removeEventListener(type: string, listener: Listener | null, options?: boolean | ListenerOptions): void;
  removeEventListener(type: string, listener: Listener | null, options?: boolean | ListenerOptions): void {
    this.#end.listeners.remove(type, listener, options);
  }

  dispatchEvent(event: Event): boolean {
    this.#end.dispatch(event);
    return !event.defaultPrevented;
  }
}

/**
 * A WebSocket is an EventTarget (`instanceof EventTarget` holds, in the worker too) without running
 * EventTarget's constructor: the socket keeps its own listeners (a core `ListenerList`), and Node's
 * constructor would give every socket two empty Maps it never uses, a few hundred bytes per connection.
 */
Object.setPrototypeOf(WebSocket.prototype, EventTarget.prototype);
// The readyState constants are on instances too (the prototype), and the toString tag is WebSocket's own.
for (const [name, value] of [["CONNECTING", 0], ["OPEN", 1], ["CLOSING", 2], ["CLOSED", 3]] as const) {
  Object.defineProperty(WebSocket.prototype, name, { value, enumerable: true });
}
Object.defineProperty(WebSocket.prototype, Symbol.toStringTag, { value: "WebSocket", configurable: true });
defineEventHandlers(WebSocket.prototype, (socket, type, listener) => endpointOfSocket(socket as WebSocket).listeners.add(type, listener));
Object.setPrototypeOf(WebSocket, EventTarget);
// EventTarget's own inspect reads state this class does not have; show what a user wants to see instead.
Object.defineProperty(WebSocket.prototype, inspect.custom, {
  value(this: WebSocket, depth: number, options: InspectOptionsStylized) {
    const state = { readyState: this.readyState, url: this.url, protocol: this.protocol, binaryType: this.binaryType };
    return `${this.constructor.name} ${inspect(state, { ...options, depth: depth - 1 })}`;
  },
});

const HostWebSocket = WebSocket;

/** ECMAScript ToIntegerOrInfinity, which WebIDL's integer conversion starts with (NaN becomes 0). */
function toInteger(value: number): number {
  return Number.isNaN(value) ? 0 : Math.trunc(value);
}

/** The inside of `socket`, for the other files of this package. */
export function endpointOf(socket: WebSocket): Endpoint {
  return endpointOfSocket(socket);
}

/**
 * A new `WebSocket` of `SocketClass` for `end`, which it becomes the face of: a Durable Object that wakes
 * from hibernation sees new WebSocket objects for its sockets, as in workerd (hibernation.ts).
 */
export function rewrap(SocketClass: typeof WebSocket, end: Endpoint): WebSocket {
  return new (SocketClass as unknown as new (token: typeof kRewrap, end: Endpoint) => WebSocket)(kRewrap, end);
}

/** Makes an end the runtime hands the worker (a pair end, a `fetch()` socket), of `EndClass`, in `scope`. */
export function createEnd(EndClass: typeof WebSocket, scope: SocketScope): WebSocket {
  return new (EndClass as unknown as new (token: typeof kEnd, scope: SocketScope) => WebSocket)(kEnd, scope);
}

/**
 * A load's own `WebSocket` class: `new WebSocket(url)` in the worker belongs to the scope `getScope()`
 * returns (its realm, compatibility date and tracker), and its instances are instances of this package's
 * `WebSocket` too.
 */
export function createWebSocketClass(getScope: () => SocketScope): typeof WebSocket {
  const LoadWebSocket = class WebSocket extends HostWebSocket {};
  classScopes.set(LoadWebSocket, getScope);
  return LoadWebSocket;
}
