/**
 * Real `ws` clients for tests, terminated after each test. Every client records its messages and its close
 * from the moment it is made: messages a server sends together with its handshake can arrive before a
 * listener added after "open" would run.
 */
import { once } from "node:events";
import type { IncomingMessage } from "node:http";
import WebSocket from "ws";
import { onCleanup } from "./cleanup.js";

export interface Received {
  /** Text as a string, binary as a Buffer. */
  data: string | Buffer;
  isBinary: boolean;
}

export interface Closed {
  code: number;
  reason: string;
}

class Inbox {
  readonly #queue: Received[] = [];
  readonly #waiting: ((message: Received) => void)[] = [];
  readonly closed: Promise<Closed>;

  constructor(ws: WebSocket) {
    ws.on("message", (data: WebSocket.RawData, isBinary: boolean) => {
      const message = { data: isBinary ? (data as Buffer) : data.toString(), isBinary };
      const waiter = this.#waiting.shift();
      if (waiter === undefined) this.#queue.push(message);
      else waiter(message);
    });
    this.closed = new Promise((resolve) => {
      ws.once("close", (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() }));
    });
  }

  next(): Promise<Received> {
    const message = this.#queue.shift();
    if (message !== undefined) return Promise.resolve(message);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }
}

const inboxes = new WeakMap<WebSocket, Inbox>();

/** A client's inbox; a socket made elsewhere (a bare `new WebSocket()`) is recorded from now on. */
function inboxOf(ws: WebSocket): Inbox {
  let inbox = inboxes.get(ws);
  if (inbox === undefined) inboxes.set(ws, (inbox = new Inbox(ws)));
  return inbox;
}

/** A recorded `ws` client, terminated after the test. Does not wait for anything. */
export function client(url: string, protocols?: string | string[], options?: WebSocket.ClientOptions): WebSocket {
  const ws = new WebSocket(url, protocols, options);
  ws.on("error", () => {}); // assertions look at events; an error must not fail the run on its own
  inboxes.set(ws, new Inbox(ws));
  onCleanup(() => ws.terminate());
  return ws;
}

/** Resolves once the handshake completed; rejects on a refused one. */
export function opened(ws: WebSocket): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (_request, response: IncomingMessage) => {
      reject(new Error(`Unexpected server response: ${response.statusCode}`));
    });
    ws.once("error", reject);
  });
}

/** A recorded client, once connected. */
export function connect(url: string, protocols?: string | string[], options?: WebSocket.ClientOptions): Promise<WebSocket> {
  return opened(client(url, protocols, options));
}

/** What a refused handshake got: status, headers and body. */
export async function refused(ws: WebSocket): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const [, response] = (await once(ws, "unexpected-response")) as [unknown, IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return { status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString() };
}

/** The client's next message (one already received, or the next to come). */
export function nextMessage(ws: WebSocket): Promise<Received> {
  return inboxOf(ws).next();
}

export async function messages(ws: WebSocket, count: number): Promise<Received[]> {
  const received: Received[] = [];
  for (let index = 0; index < count; index++) received.push(await nextMessage(ws));
  return received;
}

/** The close code and reason the client saw. */
export function closed(ws: WebSocket): Promise<Closed> {
  return inboxOf(ws).closed;
}
