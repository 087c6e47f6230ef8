/**
 * The life of one Workers WebSocket, as one state and one transition table (workerd:
 * `src/workerd/api/web-socket.h`, whose `State` is a `OneOf` of the same kinds of thing).
 *
 *                      accept()                 close()¹                  peer's Close
 *   pending ──────────────────────► open ─────────────────► close-sent ──────────────────► closed
 *    │ │ returned in a Response      ▲ │ peer's Close                                      ▲
 *    │ └──────────────► released     │ └─────────────► close-received ──── close()¹ ───────┘
 *    │ shutdown                      │ connected
 *    └──► pending-close-sent     connecting ── connection failed ──► errored ── Close ──► closed
 *            (accept() ──► close-sent)
 *
 *   ¹ or the runtime: a reload/dispose (1012/1001), the automatic reply
 *     to a Close (web_socket_auto_reply_to_close). An error (or a listener that threw) from open or close-sent leads to errored,
 *     a lost connection (1006) to closed.
 *
 * `closeCalled` records whether this side's own `close()` was called: then `send()` and a second `close()`
 * throw (the SPEC's rule), where after a close the runtime made they are silently ignored, as in workerd.
 * Every state is one of the frozen constants below, so a transition allocates nothing.
 */
export type SocketState =
  /** `new WebSocket(url)` while the handshake runs. */
  | { readonly kind: "connecting"; readonly closeCalled: boolean }
  /** A pair end or `fetch()` socket: waits for `accept()` or to be returned in a Response. */
  | { readonly kind: "pending"; readonly closeCalled: false }
  /** Not accepted, but its Close already went out (the load that made it ended). */
  | { readonly kind: "pending-close-sent"; readonly closeCalled: false }
  /** Returned in a Response and coupled: the runtime, not the worker, owns it now. */
  | { readonly kind: "released"; readonly closeCalled: false }
  /** Accepted (or connected): events are delivered, both directions open. */
  | { readonly kind: "open"; readonly closeCalled: false }
  /** Our Close went out; the peer's has not come yet. */
  | { readonly kind: "close-sent"; readonly closeCalled: boolean }
  /** The peer's Close came; ours has not gone out yet. */
  | { readonly kind: "close-received"; readonly closeCalled: false }
  /** Both Closes, or a lost connection. */
  | { readonly kind: "closed"; readonly closeCalled: boolean }
  /** An error ended the connection; a close event may still follow. */
  | { readonly kind: "errored"; readonly closeCalled: boolean };

export type StateKind = SocketState["kind"];

/** What happens to a socket. */
export type Trigger =
  | "accept"
  | "claim" // returned in a Response, to be coupled
  | "connected"
  | "connect-failed"
  | "cancel" // close() while connecting
  | "user-close" // close() when accepted
  | "runtime-close" // a Close the runtime sends on the worker's behalf
  | "peer-close" // the peer's Close arrived
  | "peer-gone" // the connection went away without a Close (1006)
  | "error";

function state<K extends StateKind>(kind: K, closeCalled: boolean): Extract<SocketState, { kind: K }> {
  return Object.freeze({ kind, closeCalled }) as Extract<SocketState, { kind: K }>;
}

export const STATES = {
  connecting: state("connecting", false),
  connectingCancelled: state("connecting", true),
  pending: state("pending", false),
  pendingCloseSent: state("pending-close-sent", false),
  released: state("released", false),
  open: state("open", false),
  closeSent: state("close-sent", false),
  closeSentByUser: state("close-sent", true),
  closeReceived: state("close-received", false),
  closed: state("closed", false),
  closedByUser: state("closed", true),
  errored: state("errored", false),
  erroredByUser: state("errored", true),
} as const;

const closeSent = (closeCalled: boolean) => (closeCalled ? STATES.closeSentByUser : STATES.closeSent);
const closed = (closeCalled: boolean) => (closeCalled ? STATES.closedByUser : STATES.closed);
const errored = (closeCalled: boolean) => (closeCalled ? STATES.erroredByUser : STATES.errored);

type Transitions = { readonly [K in StateKind]: Partial<Record<Trigger, (from: Extract<SocketState, { kind: K }>) => SocketState>> };

/** Every transition there is; a trigger missing from a state's row changes nothing there. */
const TRANSITIONS: Transitions = {
  connecting: {
    // close() during the handshake cancels it; if the handshake won the race, the socket opens closing.
    connected: (from) => (from.closeCalled ? STATES.closeSentByUser : STATES.open),
    "connect-failed": (from) => errored(from.closeCalled),
    cancel: () => STATES.connectingCancelled,
  },
  pending: {
    accept: () => STATES.open,
    claim: () => STATES.released,
    "runtime-close": () => STATES.pendingCloseSent,
  },
  "pending-close-sent": {
    accept: () => STATES.closeSent,
  },
  released: {},
  open: {
    "user-close": () => STATES.closeSentByUser,
    "runtime-close": () => STATES.closeSent,
    "peer-close": () => STATES.closeReceived,
    "peer-gone": () => STATES.closed,
    error: () => STATES.errored,
  },
  "close-sent": {
    "peer-close": (from) => closed(from.closeCalled),
    "peer-gone": (from) => closed(from.closeCalled),
    error: (from) => errored(from.closeCalled),
  },
  "close-received": {
    "user-close": () => STATES.closedByUser,
    "runtime-close": () => STATES.closed,
    error: () => STATES.closed,
  },
  closed: {},
  errored: {
    "peer-close": (from) => closed(from.closeCalled),
    "peer-gone": (from) => closed(from.closeCalled),
  },
};

/** The state `trigger` leads to from `from`, or undefined if it changes nothing there. */
export function transition(from: SocketState, trigger: Trigger): SocketState | undefined {
  const next = (TRANSITIONS[from.kind] as Partial<Record<Trigger, (from: SocketState) => SocketState>>)[trigger];
  return next?.(from);
}

interface StateProperties {
  /** `readyState`: CONNECTING 0, OPEN 1, CLOSING 2, CLOSED 3. A pair end is OPEN before `accept()`, as in workerd. */
  readonly readyState: 0 | 1 | 2 | 3;
  /** Events reach the listeners (the worker accepted the socket, or it connected). */
  readonly delivers: boolean;
  /** Messages are delivered; after the peer's Close (or an error) they are discarded (RFC 6455 §1.4). */
  readonly receivesMessages: boolean;
  /** What `send()` does, unless this side called `close()` (then it throws "send() after close()"). */
  readonly send: "send" | "ignore" | "throw-not-accepted";
  /** What `close()` does, unless this side called `close()` already (then it throws "already closed"). */
  readonly close: "close" | "ignore" | "throw-not-accepted" | "cancel";
  /** The socket can be returned in a Response and coupled; otherwise the runtime's reason why not. */
  readonly couplable: "yes" | "client-socket" | "used" | "accepted";
}

/**
 * What each state allows. workerd ignores `send()`/`close()` silently once the runtime has closed the
 * socket (the peer went away, it answered a Close, it was handed over); before `accept()` both throw.
 */
export const PROPERTIES: { readonly [K in StateKind]: StateProperties } = {
  connecting: { readyState: 0, delivers: false, receivesMessages: false, send: "throw-not-accepted", close: "cancel", couplable: "client-socket" },
  pending: { readyState: 1, delivers: false, receivesMessages: false, send: "throw-not-accepted", close: "throw-not-accepted", couplable: "yes" },
  "pending-close-sent": { readyState: 2, delivers: false, receivesMessages: false, send: "ignore", close: "ignore", couplable: "yes" },
  released: { readyState: 1, delivers: false, receivesMessages: false, send: "ignore", close: "ignore", couplable: "used" },
  open: { readyState: 1, delivers: true, receivesMessages: true, send: "send", close: "close", couplable: "accepted" },
  "close-sent": { readyState: 2, delivers: true, receivesMessages: true, send: "ignore", close: "ignore", couplable: "accepted" },
  "close-received": { readyState: 2, delivers: true, receivesMessages: false, send: "send", close: "close", couplable: "accepted" },
  closed: { readyState: 3, delivers: true, receivesMessages: false, send: "ignore", close: "ignore", couplable: "accepted" },
  errored: { readyState: 3, delivers: true, receivesMessages: false, send: "ignore", close: "ignore", couplable: "accepted" },
};
