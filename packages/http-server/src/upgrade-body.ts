/**
 * The body of a request that arrived as an upgrade but is not a WebSocket one (`Upgrade: h2c`, which
 * `curl --http2` sends to http:// URLs, even with a POST body). Node hands such a request over as a raw
 * socket after the headers, so the body is read from `head` and the socket here, by `Content-Length`, one
 * chunk per `pull()` so that it is never buffered whole.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { BadRequestError, hasBody } from "./request.js";
import { parseContentLength } from "./response.js";

export function upgradeRequestBody(req: IncomingMessage, socket: Duplex, head: Buffer): ReadableStream<Uint8Array> | null {
  if (!hasBody(req)) return null;
  const length = parseContentLength(req.headers["content-length"] ?? null);
  if (req.headers["transfer-encoding"] !== undefined || length === undefined) {
    throw new BadRequestError("A request with an Upgrade header other than websocket needs a Content-Length for its body.");
  }
  let remaining = length;
  let pending: Buffer | undefined = head.length > 0 ? head : undefined;

  const deliver = (controller: ReadableStreamDefaultController<Uint8Array>, chunk: Buffer) => {
    const part = chunk.subarray(0, remaining);
    remaining -= part.byteLength;
    if (part.byteLength > 0) controller.enqueue(new Uint8Array(part));
    // Bytes past the body would be a pipelined request: ignored, since this connection closes after one.
    if (remaining === 0) controller.close();
  };

  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (remaining === 0) return controller.close();
      if (pending !== undefined) {
        const chunk = pending;
        pending = undefined;
        deliver(controller, chunk);
        return;
      }
      return new Promise<void>((resolve, reject) => {
        const cleanup = () => {
          socket.off("data", onData);
          socket.off("end", onEnd);
          socket.off("close", onEnd);
        };
        const onData = (chunk: Buffer) => {
          cleanup();
          socket.pause();
          deliver(controller, chunk);
          resolve();
        };
        const onEnd = () => {
          cleanup();
          reject(new Error("The connection closed before the request body was complete."));
        };
        socket.on("data", onData);
        socket.once("end", onEnd);
        socket.once("close", onEnd);
        socket.resume();
      });
    },
    cancel() {
      socket.pause();
    },
  });
}
