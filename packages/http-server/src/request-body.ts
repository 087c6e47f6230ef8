/**
 * A request's body as the ReadableStream the worker reads, pulled from the socket one chunk at a time, so
 * that an upload is never buffered whole and a slow worker slows the client down.
 *
 * Not `Readable.toWeb(req)`, for what happens when the worker does not read the whole body: toWeb leaves
 * the request paused forever (the client's upload stalls, and the keep-alive connection with it, until the
 * server's timeout resets it), and its `cancel()` destroys the socket. Node's own servers discard an unread
 * body instead (`req._dump()`), and so do we once the response is sent, keeping the connection usable.
 */
import type { IncomingMessage } from "node:http";
import type { Attribute } from "./response.js";

/** The stream's highWaterMark in bytes: how far reading runs ahead of the worker. */
const HIGH_WATER_MARK = 64 * 1024;

const discards = new WeakMap<IncomingMessage, () => void>();

// workerd's words for a body that can no longer be read (api/global-scope.c++, makeNeuterException).
export const BODY_AFTER_RESPONSE = "Can't read from request stream after response has been sent.";
export const BODY_CLIENT_DISCONNECTED = "Can't read from request stream because client disconnected.";

/**
 * `attribute` marks the errors this stream is failed with as the worker's (`mf.realm.error`): a `request.text()`
 * the worker left floating rejects with one, and must be logged rather than end the process.
 */
export function requestBodyStream(req: IncomingMessage, attribute: Attribute = (reason) => reason): ReadableStream<Uint8Array> {
  let finished = false;
  const stop = () => {
    finished = true;
    req.off("data", onData);
    req.off("end", onEnd);
    req.off("error", onError);
    req.off("close", onClose);
  };
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const onData = (chunk: Buffer) => {
    controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if ((controller.desiredSize ?? 0) <= 0) req.pause();
  };
  const onEnd = () => {
    stop();
    controller.close();
  };
  const onError = (error: Error) => {
    stop();
    controller.error(error);
  };
  const onClose = () => {
    // "close" without "end": the client went away mid-upload.
    if (finished || req.complete) return;
    onError(attribute(new TypeError(BODY_CLIENT_DISCONNECTED)));
  };
  // Reads and drops what is left, so that the next request on this connection can be parsed.
  const discard = () => {
    if (finished) return;
    stop();
    req.resume();
  };
  discards.set(req, () => {
    if (finished) return;
    discard();
    controller.error(attribute(new TypeError(BODY_AFTER_RESPONSE)));
  });

  return new ReadableStream<Uint8Array>(
    {
      start(streamController) {
        controller = streamController;
        req.pause();
        req.on("data", onData);
        req.once("end", onEnd);
        req.once("error", onError);
        req.once("close", onClose);
      },
      pull() {
        req.resume();
      },
      cancel() {
        discard();
      },
    },
    { highWaterMark: HIGH_WATER_MARK, size: (chunk) => chunk.byteLength },
  );
}

/** After the response: discards whatever of the body the worker did not read. */
export function discardUnreadBody(req: IncomingMessage): void {
  discards.get(req)?.();
  discards.delete(req);
}
