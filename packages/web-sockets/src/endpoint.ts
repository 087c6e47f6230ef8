/**
 * The inside of one Workers WebSocket: its state (socket-state.ts), its listeners, the events queued for it
 * and the `Transport` its traffic goes out on. The `WebSocket` class (websocket.ts) is the face the worker
 * holds and checks the worker's arguments; the other files of this package (pairs, coupling, `fetch()`,
 * `new WebSocket()`, the tracker that closes sockets on reload) work on an `Endpoint`, which they get with
 * `endpointOf(webSocket)`.
 *
 * Events that arrive before `accept()` queue and are dispatched, in order, once it is called (in a
 * microtask, so that listeners added right after `accept()` see them). The close handshake is the
 * runtime's: `close()` sends a Close and does not dispatch a local event; the peer's Close dispatches
 * "close" with `wasClean: true`; replying with `close()` is allowed, and from 2026-04-07
 * (`web_socket_auto_reply_to_close`) the reply is automatic unless `accept({ allowHalfOpen: true })`.
 *
 * Durable Objects: an end accepted with `ctx.acceptWebSocket()` delivers to an `InboundSink` instead
 * (hibernation.ts); an end an object's event accepts or opens keeps the object awake until it is finished.
 */
import { currentRequestContext, formatError, ListenerList, type ListenerListOptions } from "@flarelet/core";
import { CloseEvent, ErrorEvent, MessageEvent } from "./events.js";
import { MESSAGES } from "./messages.js";
import { arrayBufferIn, copyInto, type SocketScope } from "./scope.js";
import { PROPERTIES, STATES, transition, type SocketState, type Trigger } from "./socket-state.js";
import { toOutgoing, type InboundEvent, type InboundSink, type Transport } from "./wire.js";

export type BinaryType = "blob" | "arraybuffer";

export interface AcceptOptions {
  /** Do not answer a received Close automatically (only matters from 2026-04-07). @default false */
  allowHalfOpen?: boolean;
}

/**
 * On reload and dispose, how long a peer has to answer our Close before its connection is dropped. ws would
 * wait 30 s, holding the connection, and with it the embedding process, open that long.
 */
const SHUTDOWN_GRACE_MS = 1000;

/** Which states leave the tracker: nothing is left to close in them. */
const FINISHED = new Set<SocketState["kind"]>(["closed", "errored", "released"]);
/** In which states nothing more can arrive: a Durable Object holding the socket may hibernate. */
const INBOUND_DONE = new Set<SocketState["kind"]>([...FINISHED, "close-received"]);

/**
 * An `Endpoint` is its own listener list's policy (ListenerListOptions), so that sockets share no closure:
 * a listener's exception, or its promise's rejection, is logged and drops this socket (the other side
 * sees 1006, as with workerd); the other listeners, the other sockets and the process go on.
 */
export class Endpoint implements ListenerListOptions {
  readonly scope: SocketScope;
  /** The `WebSocket` the worker holds: the target of this end's events (replaced when a hibernated end wakes). */
  socket: object;
  readonly listeners: ListenerList;
  /** Who this end is, for log lines. */
  label: string;
  binaryType: BinaryType;
  /** The negotiated subprotocol and extensions of a `new WebSocket()` connection. */
  protocol: string | null = "";
  extensions: string | null = "";
  #state: SocketState;
  #transport: Transport | null = null;
  #queue: InboundEvent[] = [];
  #flushScheduled = false;
  #allowHalfOpen = false;
  /** This side's Close went out because of close() or the automatic reply: send() throws from then on. */
  #closedOutgoing = false;
  /** Set by `acceptHibernatable`: inbound traffic goes there instead of to the listeners. */
  #sink: InboundSink | undefined;
  /** The `keepAlive()` this end took from a Durable Object's event, given back once nothing more can arrive. */
  #giveBack: (() => void) | undefined;

  constructor(socket: object, scope: SocketScope, state: typeof STATES.pending | typeof STATES.connecting, label: string) {
    this.socket = socket;
    this.scope = scope;
    this.#state = state;
    this.label = label;
    this.binaryType = scope.standardBinaryType ? "blob" : "arraybuffer";
    this.listeners = new ListenerList(this);
    scope.tracker?.add(this);
    if (state === STATES.connecting) this.#keepAlive();
  }

  get state(): SocketState {
    return this.#state;
  }

  get transport(): Transport | null {
    return this.#transport;
  }

  /** Whether events reach the listeners (the worker accepted this end, or it connected). */
  get accepted(): boolean {
    return PROPERTIES[this.#state.kind].delivers;
  }

  /** Where `ctx.acceptWebSocket()` sends this end's traffic (a Durable Object's handlers), if it accepted it. */
  get sink(): InboundSink | undefined {
    return this.#sink;
  }

  attach(transport: Transport): void {
    this.#transport = transport;
  }

  // ---------------------------------------------------------------------------------------------------
  // What the worker does (through WebSocket, which has checked the arguments)

  accept(options?: AcceptOptions): void {
    const { kind } = this.#state;
    if (kind === "connecting") throw new TypeError(MESSAGES.acceptOnClientSocket);
    if (kind === "released") throw new TypeError(MESSAGES.acceptAfterUse);
    if (this.#sink !== undefined) throw new TypeError(MESSAGES.acceptAfterHibernation);
    const next = transition(this.#state, "accept");
    if (next === undefined) return; // accepted already
    this.#allowHalfOpen = options?.allowHalfOpen === true;
    this.#accepted(next);
    this.#keepAlive();
  }

  /**
   * `ctx.acceptWebSocket()`: accepted, with inbound traffic for `sink`. Only a pending end can be (workerd:
   * `acceptAsHibernatable`); the Durable Object's checks with their own messages come first.
   */
  acceptHibernatable(sink: InboundSink): void {
    const next = this.#state.kind === "pending" ? transition(this.#state, "accept") : undefined;
    if (next === undefined) throw new TypeError(MESSAGES.hibernatableIncompatibleState);
    this.#sink = sink;
    this.#accepted(next);
  }

  #accepted(next: SocketState): void {
    this.#setState(next);
    this.#transport?.accepted?.();
    if (this.#queue.length > 0) this.#scheduleFlush();
  }

  /** Takes the current Durable Object event's keepAlive() (none outside objects) until nothing more can arrive. */
  #keepAlive(): void {
    this.#giveBack ??= currentRequestContext()?.keepAlive?.();
  }

  send(message: unknown): void {
    const state = this.#state;
    if (state.closeCalled || this.#closedOutgoing) throw new TypeError(MESSAGES.sendAfterClose);
    const action = PROPERTIES[state.kind].send;
    if (action === "throw-not-accepted") throw new TypeError(MESSAGES.notAccepted);
    if (action === "send") this.#transport?.send(toOutgoing(message));
  }

  close(code: number | undefined, reason: string | undefined): void {
    const state = this.#state;
    const action = PROPERTIES[state.kind].close;
    if (action === "cancel") {
      // workerd cancels the handshake: "error", then "close" 1006.
      this.#setState(transition(state, "cancel")!);
      this.#transport?.abort();
      return;
    }
    if (state.closeCalled) throw new TypeError(MESSAGES.alreadyClosed);
    if (action === "throw-not-accepted") throw new TypeError(MESSAGES.notAccepted);
    if (action === "close") {
      this.#closedOutgoing = true;
      this.#closeOutgoing("user-close", code, reason ?? "");
    }
  }

  /** `dispatchEvent()` of the worker. */
  dispatch(event: Event): void {
    this.listeners.dispatch(this.socket, event);
  }

  // ---------------------------------------------------------------------------------------------------
  // What the runtime does (transports, coupling, the tracker)

  /** Delivers an event from the transport, synchronously when nothing is queued ahead of it. */
  receive(event: InboundEvent): void {
    const { delivers } = PROPERTIES[this.#state.kind];
    if (delivers && this.#queue.length === 0) {
      this.#deliver(event);
    } else if (this.#state !== STATES.released) {
      this.#queue.push(event);
      if (delivers) this.#scheduleFlush();
    }
  }

  /** Delivers an event from the other end of a pair, in a microtask (as the runtime's pipe does). */
  receiveLater(event: InboundEvent): void {
    if (event.kind === "message" && typeof event.data !== "string") {
      event = { kind: "message", data: copyInto(this.scope.realm, event.data) };
    }
    this.#queue.push(event);
    if (PROPERTIES[this.#state.kind].delivers) this.#scheduleFlush();
  }

  /** Throws the runtime's error if this end cannot be returned in a Response and coupled. */
  assertCouplable(): void {
    switch (PROPERTIES[this.#state.kind].couplable) {
      case "client-socket":
        throw new TypeError(MESSAGES.coupleClientSocket);
      case "used":
        throw new TypeError(MESSAGES.coupleUsed);
      case "accepted":
        throw new TypeError(this.#sink === undefined ? MESSAGES.coupleAccepted : MESSAGES.coupleHibernatable);
      case "yes":
        return;
    }
  }

  /**
   * Hands this end over to be coupled: from now on the runtime owns it. Returns the events queued for it
   * (what the worker sent before the response) and its transport (to the other end, for a pair).
   */
  claim(): { pending: InboundEvent[]; transport: Transport | null } {
    this.assertCouplable();
    this.#setState(STATES.released);
    const pending = this.#queue;
    this.#queue = [];
    return { pending, transport: this.#transport };
  }

  /** A `new WebSocket()` connection opened. */
  connected(info: { protocol: string | null; extensions: string | null }): void {
    const next = transition(this.#state, "connected");
    if (next === undefined) return;
    this.protocol = info.protocol;
    this.extensions = info.extensions;
    this.#setState(next);
    this.receive({ kind: "open" });
  }

  /** A `new WebSocket()` connection failed: "error", then "close" 1006, as workerd reports it. */
  connectFailed(error: unknown, message: string): void {
    const next = transition(this.#state, "connect-failed");
    if (next === undefined) return;
    this.#setState(next);
    this.#dispatch(new ErrorEvent("error", { error, message }));
    this.#deliver({ kind: "close", code: 1006, reason: MESSAGES.connectFailedReason, wasClean: false });
  }

  /** Reload and dispose: close with 1012/1001 without the worker-facing checks. */
  shutdown(code: number, reason: string): void {
    if (this.#state.kind === "released") return;
    if (this.#state.kind === "connecting") this.#transport?.abort();
    else this.#closeOutgoing("runtime-close", code, reason);
    const transport = this.#transport;
    if (transport?.detach !== undefined) {
      // A network connection has no other end in this process: nothing more reaches the old worker.
      this.#queue = [];
      transport.detach(SHUTDOWN_GRACE_MS);
    }
  }

  /** ListenerListOptions: a listener threw. */
  onError(error: unknown, event: Event): "continue" {
    this.#listenerFailed(event.type, error);
    return "continue";
  }

  /** ListenerListOptions: a listener's promise rejected. */
  onRejection(error: unknown, event: Event): void {
    this.#listenerFailed(event.type, error);
  }

  // ---------------------------------------------------------------------------------------------------

  #setState(next: SocketState): void {
    this.#state = next;
    if (INBOUND_DONE.has(next.kind) && this.#giveBack !== undefined) {
      const giveBack = this.#giveBack;
      this.#giveBack = undefined;
      giveBack();
    }
    if (FINISHED.has(next.kind)) this.scope.tracker?.delete(this);
  }

  #closeOutgoing(trigger: Trigger, code: number | undefined, reason: string): void {
    const next = transition(this.#state, trigger);
    if (next === undefined) return;
    this.#setState(next);
    this.#transport?.close(code, reason);
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
    for (const event of queue) this.#deliver(event);
  }

  #deliver(event: InboundEvent): void {
    const sink = this.#sink;
    switch (event.kind) {
      case "message":
        if (!PROPERTIES[this.#state.kind].receivesMessages) return;
        if (sink !== undefined) sink.message(typeof event.data === "string" ? event.data : arrayBufferIn(this.scope.realm, event.data));
        else this.#dispatch(new MessageEvent("message", { data: this.#messageData(event.data) }));
        return;
      case "close": {
        // A hibernatable end whose peer vanished is CLOSING, as in workerd (only its incoming side closed;
        // send() and close() reach nothing); with nothing left to close, it leaves the tracker.
        const gone = event.wasClean || sink !== undefined ? "peer-close" : "peer-gone";
        const next = transition(this.#state, gone);
        if (next === undefined) return;
        this.#setState(next);
        if (sink !== undefined) {
          if (!event.wasClean) this.scope.tracker?.delete(this);
          return sink.close(event.code, event.reason, event.wasClean);
        }
        if (next === STATES.closeReceived && this.scope.autoReplyToClose && !this.#allowHalfOpen) {
          // web_socket_auto_reply_to_close: echo the peer's code (RFC 6455 §5.5.1).
          this.#closedOutgoing = true;
          this.#closeOutgoing("runtime-close", event.code === 1005 ? undefined : event.code, event.reason);
        }
        this.#dispatch(new CloseEvent("close", { code: event.code, reason: event.reason, wasClean: event.wasClean }));
        return;
      }
      case "error": {
        const next = transition(this.#state, "error");
        if (next === undefined) return; // the runtime reports the first error only
        this.#setState(next);
        if (sink !== undefined) return sink.error(event.error);
        this.#dispatch(new ErrorEvent("error", { error: event.error, message: event.message }));
        return;
      }
      case "open":
        this.#dispatch(new Event("open"));
        return;
    }
  }

  #messageData(data: string | Uint8Array): unknown {
    if (typeof data === "string") return data;
    return this.binaryType === "blob" ? new Blob([data]) : arrayBufferIn(this.scope.realm, data);
  }

  #dispatch(event: Event): void {
    this.listeners.dispatch(this.socket, event);
  }

  /** A listener threw: log it, drop this socket (1006 for the other side), and let everything else go on. */
  #listenerFailed(type: string, error: unknown): void {
    this.scope.log.error(
      `Uncaught exception in a WebSocket "${type}" listener of ${this.label}; dropping its connection.\n${formatError(error)}`,
    );
    // workerd fails the event and aborts the socket: the other side sees 1006, without a Close frame.
    if (!PROPERTIES[this.#state.kind].delivers) return;
    const next = transition(this.#state, "error");
    if (next !== undefined) this.#setState(next);
    this.#transport?.abort();
  }
}
