/**
 * The hibernatable WebSockets of one Durable Object: what outlives its instance, as workerd's hibernation
 * manager does (src/workerd/io/legacy-hibernation-manager.c++): the connections with their tags and
 * auto-response timestamps, the object's auto-response and its event timeout.
 *
 *     client ─► Endpoint ─► SocketRecord (an InboundSink) ─► auto-response?  ── yes ─► answered here, the
 *                                                                │                   object stays asleep
 *                                                                no ─► host: webSocketMessage/Close/Error
 *
 * Order, as workerd's: `getWebSockets()` lists the newest socket first (its list is pushed at the front),
 * `getWebSockets(tag)` the oldest first (each tag's list is appended to). A socket stays listed until its
 * `webSocketClose` or `webSocketError` handler has been called, so sockets in CLOSING are listed.
 */
import { acceptHibernatable, type HibernatableSocket, type InboundSink, type WebSocket } from "@flarelet/web-sockets";

/** workerd's `ACTIVE_CONNECTION_LIMIT` (legacy-hibernation-manager.h). */
export const MAX_SOCKETS = 32 * 1024;

/** What a hibernatable socket reports, for the object's handler. */
export type SocketEvent =
  | { readonly kind: "message"; readonly data: string | ArrayBuffer }
  | { readonly kind: "close"; readonly code: number; readonly reason: string; readonly wasClean: boolean }
  | { readonly kind: "error"; readonly error: unknown };

/** Hands a socket's event to the object (the host constructs it if it hibernated). */
export type DeliverSocketEvent = (record: SocketRecord, event: SocketEvent) => void;

const NO_TAGS: readonly string[] = Object.freeze([]);

/** One hibernatable connection: what the object's `getWebSockets()`, `getTags()`… read. */
export class SocketRecord implements InboundSink {
  readonly tags: readonly string[];
  /** When the last auto-response was sent (ms since the epoch), kept across hibernation as in workerd. */
  autoResponseTimestamp: number | undefined;
  /** Set once accepted. */
  socket!: HibernatableSocket;
  readonly #owner: HibernatableSockets;

  constructor(owner: HibernatableSockets, tags: readonly string[]) {
    this.#owner = owner;
    this.tags = tags.length === 0 ? NO_TAGS : tags;
  }

  message(data: string | ArrayBuffer): void {
    this.#owner.received(this, { kind: "message", data });
  }

  close(code: number, reason: string, wasClean: boolean): void {
    this.#owner.received(this, { kind: "close", code, reason, wasClean });
  }

  error(error: unknown): void {
    this.#owner.received(this, { kind: "error", error });
  }
}

export class HibernatableSockets {
  /** The object's auto-response (`setWebSocketAutoResponse`), answered without waking it. */
  autoResponse: { readonly request: string; readonly response: string } | undefined;
  /** `setHibernatableWebSocketEventTimeout`: the longest a handler may run, in ms. */
  eventTimeout: number | undefined;
  readonly #records = new Set<SocketRecord>();
  readonly #byTag = new Map<string, Set<SocketRecord>>();
  readonly #deliver: DeliverSocketEvent;
  /** Set by `close()`: the object was reset, nothing more is delivered. */
  #closed = false;

  constructor(deliver: DeliverSocketEvent) {
    this.#deliver = deliver;
  }

  get size(): number {
    return this.#records.size;
  }

  /** Accepts `webSocket` with `tags` (distinct, checked by the caller); workerd's errors otherwise. */
  accept(webSocket: WebSocket, tags: readonly string[]): SocketRecord {
    if (this.#records.size >= MAX_SOCKETS) {
      throw new Error(`only ${MAX_SOCKETS} websockets can be accepted on a single Durable Object instance`);
    }
    const record = new SocketRecord(this, tags);
    record.socket = acceptHibernatable(webSocket, record);
    this.#records.add(record);
    for (const tag of record.tags) {
      let tagged = this.#byTag.get(tag);
      if (tagged === undefined) this.#byTag.set(tag, (tagged = new Set()));
      tagged.add(record);
    }
    return record;
  }

  /** The sockets, or those with `tag`, in workerd's order (see the header). */
  list(tag?: string): SocketRecord[] {
    if (tag === undefined) return [...this.#records].reverse();
    return [...(this.#byTag.get(tag) ?? [])];
  }

  /** Forgets a socket whose close or error handler has been called. */
  remove(record: SocketRecord): void {
    if (!this.#records.delete(record)) return;
    for (const tag of record.tags) {
      const tagged = this.#byTag.get(tag);
      tagged?.delete(record);
      if (tagged?.size === 0) this.#byTag.delete(tag);
    }
  }

  /** The object hibernated: its WebSocket objects are forgotten, the connections stay. */
  hibernate(): void {
    for (const record of this.#records) record.socket.hibernate();
  }

  /** The object was reset (an event ran past its timeout): every connection is dropped, as workerd drops them. */
  close(): void {
    this.#closed = true;
    for (const record of this.#records) record.socket.abort();
    this.#records.clear();
    this.#byTag.clear();
  }

  /** A socket's event: an auto-response is answered here; anything else goes to the object. */
  received(record: SocketRecord, event: SocketEvent): void {
    if (this.#closed || !this.#records.has(record)) return;
    const auto = this.autoResponse;
    if (event.kind === "message" && auto !== undefined && event.data === auto.request) {
      // Only text frames match (a string never equals an ArrayBuffer), as in workerd's readLoop.
      record.autoResponseTimestamp = Date.now();
      record.socket.sendAutoResponse(auto.response);
      return;
    }
    this.#deliver(record, event);
  }
}
