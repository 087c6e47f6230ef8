/**
 * Workers `Response` → Node's `ServerResponse`:
 *
 * - headers as the worker set them, every `Set-Cookie` as its own line (`getSetCookie()`), hop-by-hop
 *   headers left to Node, which frames the body itself;
 * - `Content-Length` is the body's real length whenever the whole body is known when the headers go out
 *   (miniflare#148: a header copied from an origin may no longer match); otherwise the worker's own
 *   `Content-Length` if it gave one, else chunked;
 * - the body streamed chunk by chunk as the worker produces it (server-sent events work), respecting the
 *   socket's backpressure, and cancelled when the client goes away;
 * - HEAD, 204 and 304 responses have no body (RFC 9110 §9.3.2, §15.3.5, §15.4.5);
 * - `Content-Encoding` applied as the runtime does (encoding.ts).
 */
import type { Response } from "@flarelet/core";
import { Interrupter, messageOf, unreadTextBody } from "@flarelet/core";
import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { Writable } from "node:stream";
import { types } from "node:util";
import { createEncoder, planEncoding, type EncodingPlan } from "./encoding.js";

export interface WriteOptions {
  /** The request's method: a HEAD response has no body. */
  method: string;
  /** The visitor's own `Accept-Encoding` (before request.ts normalised it). */
  acceptEncoding: string | undefined;
  /** Marks an error made for the worker as its own (`mf.realm.error`). @default leaves it as is */
  attribute?: Attribute;
  /**
   * Calls `onReload` when the worker is reloaded; returns the function that stops watching. A body still
   * streaming then came from the old version, whose timers are gone: it is cut rather than left hanging.
   */
  watchReload?: (onReload: () => void) => () => void;
}

/** Marks a reason flarelet makes for the worker (a body it cancels) as the worker's (`mf.realm.error`). */
export type Attribute = <T extends object>(reason: T) => T;

/** The worker's body stream failed after the headers were sent; the response was cut short. */
export class BodyStreamError extends Error {
  override readonly name = "BodyStreamError";
}

/** Left to Node, which frames the body itself; `content-length` is decided below. */
const FRAMING_HEADERS = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "set-cookie"]);

/**
 * How much of the body is read before the headers are sent, to learn its length. Bodies from strings and
 * buffers arrive whole at once; a stream that is still producing after one turn of the event loop is sent
 * chunked rather than waited for.
 */
const READ_AHEAD_LIMIT = 64 * 1024;
const TICK = Symbol("tick");

/** A header value with a char above 0x7f (a byte of a byte string, latin1 on the wire). */
const NON_ASCII = /[^\x00-\x7f]/;

/** Why a body still streaming is cut when the worker is reloaded (its version's timers are gone). */
export const RELOADED_WHILE_STREAMING = "The worker was reloaded while this response was streaming; the version producing it is gone.";

/** The reason a worker's response stream is cancelled with when the client leaves before its end. */
export const CLIENT_DISCONNECTED = "The client disconnected before the response body was complete.";

type Chunk = Uint8Array;
type ReadResult = Awaited<ReturnType<ReadableStreamDefaultReader<unknown>["read"]>>;

export async function writeResponse(response: Response, res: ServerResponse, options: WriteOptions): Promise<void> {
  const status = response.status;
  const headers: OutgoingHttpHeaders = {};
  let latin1Headers = false;
  for (const [name, value] of response.headers) {
    if (FRAMING_HEADERS.has(name)) continue;
    headers[name] = value;
    if (!latin1Headers && NON_ASCII.test(value)) latin1Headers = true;
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;

  const plan = planEncoding(response.headers.get("content-encoding"), options.acceptEncoding);
  if (plan.kind === "identity") delete headers["content-encoding"];
  // A length declared next to a Content-Encoding may describe encoded bytes (copied from an origin whose
  // body fetch() decoded): only the real length is trusted then.
  const declaredLength = response.headers.has("content-encoding") ? undefined : parseContentLength(response.headers.get("content-length"));
  const head: Head = { response, headers, declaredLength, plan };

  const noBody = options.method === "HEAD" || status === 204 || status === 205 || status === 304 || status < 200;
  if (noBody) return writeWithoutBody(res, head, options.method === "HEAD");
  if (response.body === null) {
    headers["content-length"] = 0;
    writeHead(res, response, headers);
    return endAndFinish(res, res);
  }
  // Fast path: a body made from a string (most worker responses) is sent as it is, in one write, instead
  // of through the stream reader, a promise per chunk and a turn of the event loop.
  const text = plan.kind === "encode" ? undefined : unreadTextBody(response);
  if (text !== undefined) {
    headers["content-length"] = Buffer.byteLength(text);
    writeHead(res, response, headers);
    // Node sends the head and a string body in one write, in the body's encoding: a header value's bytes
    // above 0x7f would go out as UTF-8. Header values are byte strings (one char per byte, as the runtime
    // sends them): with such a value, the body goes as a Buffer, and Node writes the head as latin1.
    return endAndFinish(res, res, latin1Headers ? Buffer.from(text) : text);
  }
  return streamBody(res, head, response.body, options);
}

interface Head {
  readonly response: Response;
  readonly headers: OutgoingHttpHeaders;
  readonly declaredLength: number | undefined;
  readonly plan: EncodingPlan;
}

/** HEAD, 204, 205, 304: headers only. The worker's Content-Length still describes the resource (HEAD, 304). */
async function writeWithoutBody(res: ServerResponse, { response, headers, declaredLength, plan }: Head, head: boolean): Promise<void> {
  const status = response.status;
  let length = status === 204 || plan.kind === "encode" ? undefined : declaredLength;
  if (response.body !== null) {
    const reader = response.body.getReader();
    // HEAD: the length a GET would have, when the worker's body tells it at once.
    if (head && length === undefined && plan.kind !== "encode" && status >= 200 && status !== 204 && status !== 304) {
      const ahead = await readAhead(reader).catch(() => undefined);
      if (ahead?.done === true) length = byteLength(ahead.chunks);
    }
    reader.cancel().catch(() => {});
  }
  if (status === 205) length = 0; // "Reset Content": explicitly empty (RFC 9110 §15.3.6)
  if (length !== undefined) headers["content-length"] = length;
  writeHead(res, response, headers);
  await endAndFinish(res, res);
}

async function streamBody(
  res: ServerResponse,
  { response, headers, declaredLength, plan }: Head,
  body: ReadableStream,
  { attribute = (reason) => reason, watchReload }: WriteOptions,
): Promise<void> {
  const reader = body.getReader();
  let aborted = false;
  const encoders = plan.kind === "encode" ? plan.codings.map(createEncoder) : [];
  const onClose = () => {
    if (res.writableFinished) return;
    // The client went away: stop the worker's stream (an SSE source sees its cancel()). The reason is the
    // worker's: a pipeTo() it left floating into this body rejects with it (Cloudflare's streaming example
    // does exactly that), which must be logged rather than end the process.
    aborted = true;
    reader.cancel(attribute(new TypeError(CLIENT_DISCONNECTED))).catch(() => {});
    for (const encoder of encoders) encoder.destroy();
  };
  res.once("close", onClose);
  let stopWatchingReload: (() => void) | undefined;

  try {
    const ahead = await readAhead(reader);
    if (plan.kind !== "encode") {
      const length = ahead.done ? byteLength(ahead.chunks) : declaredLength;
      if (length !== undefined) headers["content-length"] = length;
    }
    writeHead(res, response, headers);
    const sendChunk = countAgainst(headers["content-length"], plan.kind === "encode");

    // encoders[0] → encoders[1] → … → res. Not `pipeline()`: it reports a premature close when a
    // client leaves an endless stream (Miniflare 2 found the same with SSE).
    let target: Writable = res;
    for (let index = encoders.length - 1; index >= 0; index--) {
      encoders[index]!.pipe(target);
      target = encoders[index]!;
    }
    // Whatever ends the body from outside the worker's stream, an encoder failing or a reload, fails the
    // read or write in progress (core's Interrupter: a race per chunk would hold memory per chunk).
    const interruption = new Interrupter();
    for (const encoder of encoders) encoder.once("error", (error) => interruption.interrupt(error));
    stopWatchingReload = watchReload?.(() => interruption.interrupt(new Error(RELOADED_WHILE_STREAMING)));
    const send = async (chunk: Chunk) => {
      sendChunk(chunk);
      const written = write(target, chunk, res);
      if (written !== undefined) await interruption.guard(written);
    };

    for (const chunk of ahead.chunks) {
      if (aborted) return;
      await send(chunk);
    }
    let next = ahead.next;
    // Bounded by the stream: each turn consumes one chunk, and cancel() on close ends it.
    while (!ahead.done && !aborted) {
      const result = await interruption.guard(next ?? reader.read());
      next = undefined;
      if (result.done) break;
      await send(toChunk(result.value));
    }
    if (aborted) return;
    sendChunk(undefined);
    await endAndFinish(target, res);
  } catch (error) {
    if (aborted) return;
    reader.cancel(error).catch(() => {});
    for (const encoder of encoders) encoder.destroy();
    if (!res.headersSent) throw error;
    // Too late for an error response: cut the connection so the client sees an incomplete body.
    res.destroy();
    throw new BodyStreamError(`The response body stream failed after the headers were sent: ${messageOf(error)}`, { cause: error });
  } finally {
    res.off("close", onClose);
    stopWatchingReload?.();
  }
}

/**
 * Holds a streamed body to the `Content-Length` the worker declared. Node writes whatever it is given, so a
 * longer body would spill into the next response on a keep-alive connection (response splitting) and a
 * shorter one would swallow the start of it. A chunk that goes past the length, or the end arriving before
 * it, throws: nothing more is written and the connection is cut. Called with `undefined` at the end.
 */
function countAgainst(contentLength: OutgoingHttpHeaders[string], encoded: boolean): (chunk: Chunk | undefined) => void {
  if (encoded || contentLength === undefined) return () => {};
  const declared = Number(contentLength);
  let sent = 0;
  return (chunk) => {
    if (chunk === undefined) {
      if (sent < declared) {
        throw new Error(`The response body ended after ${sent} bytes, short of its Content-Length of ${declared}.`);
      }
      return;
    }
    sent += chunk.byteLength;
    if (sent > declared) throw new Error(`The response body is longer than its Content-Length of ${declared} bytes.`);
  };
}

function writeHead(res: ServerResponse, response: Response, headers: OutgoingHttpHeaders): void {
  const statusText = response.statusText;
  if (statusText === "") res.writeHead(response.status, headers);
  else res.writeHead(response.status, statusText, headers);
}

/** `Content-Length` if it is a valid one (RFC 9110 §8.6), else undefined (#148: never send NaN). */
export function parseContentLength(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  const length = Number(value.trim());
  return Number.isSafeInteger(length) ? length : undefined;
}

interface ReadAhead {
  chunks: Chunk[];
  done: boolean;
  /** A read started but not finished when the event loop turned: its result comes next. */
  next?: Promise<ReadResult>;
}

async function readAhead(reader: ReadableStreamDefaultReader<unknown>): Promise<ReadAhead> {
  const chunks: Chunk[] = [];
  let size = 0;
  while (size <= READ_AHEAD_LIMIT) {
    const next = reader.read();
    const result = await Promise.race([next, new Promise<typeof TICK>((resolve) => setImmediate(resolve, TICK))]);
    if (result === TICK) return { chunks, done: false, next };
    if (result.done) return { chunks, done: true };
    const chunk = toChunk(result.value);
    chunks.push(chunk);
    size += chunk.byteLength;
  }
  return { chunks, done: false };
}

function byteLength(chunks: readonly Chunk[]): number {
  return chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
}

/** Body chunks must be bytes (from any realm: a worker's Uint8Array is not this realm's). */
function toChunk(value: unknown): Chunk {
  if (types.isArrayBufferView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (types.isAnyArrayBuffer(value)) return new Uint8Array(value);
  // undici's message for the same mistake (`await response.text()` on such a stream).
  throw new TypeError("Received non-Uint8Array chunk");
}

/** Writes, and waits for 'drain' when the socket's buffer is full (or for the client to leave). */
function write(target: Writable, chunk: Chunk, res: ServerResponse): Promise<void> | void {
  if (target.write(chunk)) return;
  return new Promise((resolve) => {
    const done = () => {
      target.off("drain", done);
      res.off("close", done);
      resolve();
    };
    target.once("drain", done);
    res.once("close", done);
  });
}

/** Ends `target` (with a last chunk) and resolves once the response is flushed (or the connection is gone). */
function endAndFinish(target: Writable, res: ServerResponse, last?: string | Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (res.writableFinished || res.destroyed) return resolve();
    const done = () => {
      res.off("finish", done);
      res.off("close", done);
      resolve();
    };
    res.once("finish", done);
    res.once("close", done);
    if (last === undefined) target.end();
    else target.end(last);
  });
}
