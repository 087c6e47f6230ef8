/**
 * A WebSocket end whose traffic goes over a real network connection (a `ws` socket): the worker's end of a
 * pair once coupled to a client, or a socket from `fetch()`/`new WebSocket()`.
 *
 * Backpressure policy. `send()` cannot block a worker, so bytes the remote side has not read yet pile up
 * in `ws.bufferedAmount`. Above `highWaterMark` (1 MiB) we stop reading from the remote side until the
 * socket drains: a worker that answers what it receives (an echo, a chat relay) slows down to the client's
 * pace and nothing is lost. Above `maxBufferedAmount` (64 MiB, or twice maxMessageSize if larger) the
 * client is not reading at all: we log a warning and drop the connection, and the worker gets a close
 * event with 1006, rather than grow memory without bound.
 *
 * The other way, nothing is read from a client while the worker has not accepted its end (`holdUntilAccepted`):
 * workerd reads a WebSocket only once it is accepted, so a client sending to an end the worker never
 * accepts fills the connection's buffers and stops, instead of the end's queue growing without bound.
 */
import { messageOf, type Log } from "@flarelet/core";
import type { RawData, WebSocket as WsSocket } from "ws";
import { MESSAGES } from "./messages.js";
import { copyInto, type Realm } from "./scope.js";
import type { Endpoint } from "./endpoint.js";
import type { Transport } from "./wire.js";
import { addMessageTooLargeReason, canWsSendCloseCode, takeOverCloseReply } from "./ws-internals.js";

const OPEN = 1;
export const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;

export interface NetworkTransportOptions {
  realm: Realm;
  log: Log;
  maxMessageSize: number;
  /** Who this is, for log lines: "GET /chat from 127.0.0.1:53124". */
  label: string;
  /** Pause reading from the remote side above this many unsent bytes. @default 1 MiB */
  highWaterMark?: number;
  /** Drop the connection above this many unsent bytes. */
  maxBufferedAmount: number;
  /** Read nothing from the remote side until `accepted()` is called. @default false */
  holdUntilAccepted?: boolean;
}

export class NetworkTransport implements Transport {
  readonly #ws: WsSocket;
  readonly #end: Endpoint;
  readonly #options: NetworkTransportOptions;
  readonly #highWaterMark: number;
  readonly #maxBufferedAmount: number;
  #closeFrameReceived = false;
  #errored = false;
  /** Reading stopped for backpressure (our sends are not being read). */
  #paused = false;
  /** Reading held until the worker accepts its end. */
  #held = false;
  /** The load that owned the end ended: nothing more is delivered to it. */
  #detached = false;

  constructor(ws: WsSocket, end: Endpoint, options: NetworkTransportOptions) {
    this.#ws = ws;
    this.#end = end;
    this.#options = options;
    this.#highWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    this.#maxBufferedAmount = options.maxBufferedAmount;
  }

  /** Starts feeding the remote side's traffic to the end. Call synchronously after the handshake. */
  start(): void {
    const ws = this.#ws;
    const end = this.#end;
    takeOverCloseReply(ws, (code, reason) => {
      this.#closeFrameReceived = true;
      if (!this.#detached) end.receive({ kind: "close", code, reason, wasClean: true });
    });
    addMessageTooLargeReason(ws);
    ws.on("message", (data: RawData, isBinary: boolean) => {
      if (this.#detached) return;
      const bytes = data as Buffer; // the default binaryType, "nodebuffer", always gives one Buffer
      end.receive(isBinary ? { kind: "message", data: copyInto(this.#options.realm, bytes) } : { kind: "message", data: bytes.toString() });
    });
    ws.on("error", (error: Error) => {
      // Protocol errors (bad frame, invalid UTF-8, over maxMessageSize): ws closes the connection itself.
      this.#errored = true;
      const message = `WebSocket protocol error: ${messageOf(error)}`;
      if (!this.#detached) end.receive({ kind: "error", error: new Error(message, { cause: error }), message });
    });
    ws.on("close", () => {
      // A Close frame was already delivered; otherwise the connection just went away (RFC 6455 §7.1.5).
      // After a protocol error the runtime reports the error only, no close event.
      if (!this.#closeFrameReceived && !this.#errored && !this.#detached) {
        end.receive({ kind: "close", code: 1006, reason: MESSAGES.disconnected, wasClean: false });
      }
    });
    if (this.#options.holdUntilAccepted === true) {
      this.#held = true;
      ws.pause();
    } else {
      // An outgoing connection is paused from its handshake until here (connect.ts).
      ws.resume();
    }
  }

  /** The worker accepted its end: read from the remote side (unless backpressure holds it). */
  accepted(): void {
    this.#release();
  }

  #release(): void {
    if (!this.#held) return;
    this.#held = false;
    if (!this.#paused) this.#ws.resume();
  }

  send(data: string | Uint8Array): void {
    const ws = this.#ws;
    if (ws.readyState !== OPEN) return;
    // Buffer.from copies: the runtime copies at send(), and ws may write the buffer later.
    ws.send(typeof data === "string" ? data : Buffer.from(data));
    if (ws.bufferedAmount > this.#highWaterMark) this.#applyBackpressure();
  }

  close(code: number | undefined, reason: string): void {
    const ws = this.#ws;
    // Our Close needs the peer's in return: read again, or the close handshake could never finish.
    this.#release();
    if (code === undefined) return ws.close();
    if (!canWsSendCloseCode(code)) {
      this.#options.log.warn(
        `${this.#options.label}: close code ${code} is valid in workers but cannot be sent by flarelet's ` +
          "WebSocket library (ws sends 1000–1014 and 3000–4999); the client sees 1000.",
      );
      return ws.close(1000, reason);
    }
    ws.close(code, reason);
  }

  abort(): void {
    this.#ws.terminate();
  }

  detach(graceMs: number): void {
    this.#detached = true;
    this.#dropAfter(graceMs);
  }

  #dropAfter(ms: number): void {
    const ws = this.#ws;
    if (ws.readyState === ws.CLOSED) return;
    // Unref'd: the open connection keeps the process alive until the timer drops it, the timer itself not.
    const timer = setTimeout(() => ws.terminate(), ms).unref();
    ws.once("close", () => clearTimeout(timer));
  }

  #applyBackpressure(): void {
    const ws = this.#ws;
    if (ws.bufferedAmount > this.#maxBufferedAmount) {
      this.#options.log.warn(
        `${this.#options.label}: the client has not read ${ws.bufferedAmount} bytes of messages; ` +
          "dropping the connection instead of buffering more.",
      );
      ws.terminate();
      return;
    }
    if (this.#paused) return;
    const socket = (ws as unknown as { _socket?: NodeJS.EventEmitter })._socket;
    if (socket === undefined) return;
    this.#paused = true;
    ws.pause();
    socket.once("drain", () => {
      this.#paused = false;
      if (!this.#held) ws.resume();
    });
  }
}
