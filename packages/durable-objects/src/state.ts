/**
 * `ctx` of a Durable Object (workerd's `DurableObjectState`): `id`, `storage`, `waitUntil()`,
 * `blockConcurrencyWhile()`, and the Hibernation API (`acceptWebSocket()`, `getWebSockets()`, …). One per
 * incarnation of the object: an object dropped on reload or hibernation gets a new one when it is
 * constructed again; its hibernatable sockets, their auto-response and event timeout belong to the host
 * and outlive it (hibernation/sockets.ts).
 */
import { acceptanceOf, peerAwaitingCoupling, sinkOf, type WebSocket } from "@flarelet/web-sockets";
import type { DurableObjectId } from "./ids.js";
import type { InputGate } from "./gate.js";
import {
  autoResponseArgument,
  distinctTags,
  eventTimeoutArgument,
  tagArgument,
  webSocketArgument,
} from "./hibernation/arguments.js";
import { WebSocketRequestResponsePair } from "./hibernation/response-pair.js";
import type { HibernatableSockets, SocketRecord } from "./hibernation/sockets.js";
import type { DurableObjectStorage } from "./storage/storage.js";

export interface StateHooks {
  readonly gate: InputGate;
  /** The object's hibernatable sockets (the host's). */
  readonly sockets: HibernatableSockets;
  /** The worker's realm: arrays and dates handed to the object are of it. */
  readonly realm: { readonly Array: ArrayConstructor; readonly Date: DateConstructor };
  /** A `blockConcurrencyWhile()` callback failed: workerd resets the object. */
  reset(error: unknown): void;
  /** A `waitUntil()` promise: kept track of (the object is busy until it settles), a rejection logged. */
  waitUntil(promise: Promise<unknown>): void;
}

export class DurableObjectState {
  readonly id: DurableObjectId;
  readonly storage: DurableObjectStorage;
  readonly #hooks: StateHooks;

  constructor(id: DurableObjectId, storage: DurableObjectStorage, hooks: StateHooks) {
    this.id = id;
    this.storage = storage;
    this.#hooks = hooks;
  }

  /** Keeps work going after the event that started it; a rejection is logged. */
  waitUntil(promise: unknown): void {
    this.#hooks.waitUntil(Promise.resolve(promise));
  }

  /**
   * Runs `callback` with no other event delivered to the object until its promise settles (workerd: the
   * input gate stays closed). If it rejects, the error is thrown here and the object is reset: the next
   * event constructs it again.
   */
  async blockConcurrencyWhile<T>(callback: () => T | Promise<T>): Promise<Awaited<T>> {
    const release = this.#hooks.gate.lock();
    try {
      return await callback();
    } catch (error) {
      this.#hooks.reset(error);
      throw error;
    } finally {
      release();
    }
  }

  /**
   * Accepts `ws` (the server end of a pair whose client end is still to be returned) as hibernatable: its
   * events go to `webSocketMessage`, `webSocketClose` and `webSocketError`, and the object may hibernate
   * while it stays open. Up to 10 tags of 256 bytes each, up to 32,768 sockets; workerd's messages.
   */
  acceptWebSocket(ws: WebSocket, tags?: string[]): void {
    const socket = webSocketArgument(ws, "acceptWebSocket");
    const distinct = distinctTags(tags);
    if (acceptanceOf(socket) !== "none") {
      throw new Error("Cannot call `acceptWebSocket()` if the WebSocket was already accepted via `accept()`");
    }
    if (!peerAwaitingCoupling(socket)) {
      throw new Error(
        "Cannot call `acceptWebSocket()` on this WebSocket because its pair has already been accepted or used in a Response.",
      );
    }
    this.#hooks.sockets.accept(socket, distinct);
  }

  /** The object's hibernatable sockets (newest first), or those tagged `tag` (oldest first), as in workerd. */
  getWebSockets(tag?: string): WebSocket[] {
    const records = this.#hooks.sockets.list(tagArgument(tag));
    return this.#array(records.map((record) => record.socket.webSocket));
  }

  /** The tags `ws` was accepted with. */
  getTags(ws: WebSocket): string[] {
    const socket = webSocketArgument(ws, "getTags");
    const acceptance = acceptanceOf(socket);
    if (acceptance === "none") throw new Error("you must call 'acceptWebSocket()' before attempting to access the tags of a WebSocket.");
    if (acceptance === "accept") throw new Error("only hibernatable websockets can have tags.");
    return this.#array([...(sinkOf(socket) as SocketRecord).tags]);
  }

  /** Answers `pair.request` with `pair.response` on every hibernatable socket, without waking the object. */
  setWebSocketAutoResponse(pair?: WebSocketRequestResponsePair): void {
    this.#hooks.sockets.autoResponse = autoResponseArgument(pair);
  }

  getWebSocketAutoResponse(): WebSocketRequestResponsePair | null {
    const pair = this.#hooks.sockets.autoResponse;
    return pair === undefined ? null : new WebSocketRequestResponsePair(pair.request, pair.response);
  }

  /** When `ws` last sent the auto-response (kept across hibernation), or null. */
  getWebSocketAutoResponseTimestamp(ws: WebSocket): Date | null {
    const socket = webSocketArgument(ws, "getWebSocketAutoResponseTimestamp");
    const time = (sinkOf(socket) as SocketRecord | undefined)?.autoResponseTimestamp;
    return time === undefined ? null : new this.#hooks.realm.Date(time);
  }

  /** The longest a hibernatable socket's handler may run before the object is reset; omitted or 0 unsets it. */
  setHibernatableWebSocketEventTimeout(timeoutMs?: number): void {
    this.#hooks.sockets.eventTimeout = eventTimeoutArgument(timeoutMs);
  }

  getHibernatableWebSocketEventTimeout(): number | null {
    return this.#hooks.sockets.eventTimeout ?? null;
  }

  /** An array of the worker's realm. */
  #array<T>(items: T[]): T[] {
    return this.#hooks.realm.Array.from(items);
  }
}
