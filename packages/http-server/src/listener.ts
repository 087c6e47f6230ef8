/**
 * The HTTP request listener: each request is converted (request.ts), dispatched to the worker, and its
 * response written back (response.ts). A worker that throws gets its visitor a 500 error page and the
 * error logged with the request line; the server goes on serving. One log line per request (log.ts).
 */
import { formatError, type MiniflareCore, type Request, type Response } from "@flarelet/core";
import type { IncomingMessage, ServerResponse } from "node:http";
import { errorResponse } from "./error-page.js";
import { logRequest } from "./log.js";
import { BadRequestError, convertNodeRequest, type Cancellation } from "./request.js";
import { discardUnreadBody } from "./request-body.js";
import { BodyStreamError, writeResponse, type WriteOptions } from "./response.js";

/** workerd's message (http.c++, `Response::send`) for a WebSocket in a response to a plain request. */
export const WEBSOCKET_WITHOUT_UPGRADE =
  'Worker tried to return a WebSocket in a response to a request which did not contain the header "Upgrade: websocket".';

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

export function createRequestListener(mf: MiniflareCore): RequestListener {
  return (req, res) => {
    // Everything is caught inside; the catch here is only a last line of defence for the process.
    handleRequest(mf, req, res).catch((error: unknown) => {
      mf.log.error(`${req.method} ${req.url}: ${formatError(error)}`);
      res.destroy();
    });
  };
}

async function handleRequest(mf: MiniflareCore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const start = performance.now();
  const method = req.method ?? "GET";
  const path = req.url ?? "/";
  let request: Request;
  const cancellation = requestSignalFor(mf, req, res);
  try {
    request = convertNodeRequest(req, { attribute: forWorkerOf(mf).attribute, cancellation, realm: mf.realm });
  } catch (error) {
    if (!(error instanceof BadRequestError)) throw error;
    sendBadRequest(res, error);
    mf.log.debug(`${method} ${path}: ${error.message}`);
    logRequest(mf.log, method, path, 400, start);
    return;
  }
  const status = await respond(mf, req, res, request, async () => {
    const response = await mf.dispatchFetch(request);
    if (response.webSocket !== null) throw new TypeError(WEBSOCKET_WITHOUT_UPGRADE);
    return response;
  });
  discardUnreadBody(req);
  cancellation?.settled();
  logRequest(mf.log, method, path, status, start);
}

/**
 * With `enable_request_signal`, the worker's `request.signal` aborts when the client disconnects before the
 * response is complete, with workerd's reason (io/worker-entrypoint.c++); a complete response leaves it be.
 */
function requestSignalFor(mf: MiniflareCore, req: IncomingMessage, res: ServerResponse): (Cancellation & { settled(): void }) | undefined {
  if (mf.compatibility?.isEnabled("enable_request_signal") !== true) return undefined;
  const controller = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) controller.abort(new DOMException("The client has disconnected", "AbortError"));
  };
  res.once("close", onClose);
  return {
    signal: controller.signal,
    reportListenerError: (error) =>
      mf.log.error(`${req.method} ${req.url}: Uncaught exception in a request.signal "abort" listener: ${formatError(error)}`),
    settled: () => res.off("close", onClose),
  };
}

/**
 * Writes what `getResponse` resolves to onto `res`, or the error page if it throws; resolves to the status
 * sent. Shared with the upgrade path, which writes plain responses onto the upgraded socket.
 */
export async function respond(
  mf: MiniflareCore,
  req: IncomingMessage,
  res: ServerResponse,
  request: Request,
  getResponse: () => Promise<Response>,
): Promise<number> {
  // The visitor's own Accept-Encoding: the worker saw a normalised one (request.ts).
  const options: WriteOptions = { method: req.method ?? "GET", acceptEncoding: req.headers["accept-encoding"], ...forWorkerOf(mf) };
  let response: Response;
  try {
    response = await getResponse();
  } catch (error) {
    return respondWithError(mf, req, res, request, error);
  }
  try {
    await writeResponse(response, res, options);
  } catch (error) {
    if (error instanceof BodyStreamError) {
      mf.log.error(`${req.method} ${req.url}: ${formatError(error)}`);
      return response.status;
    }
    return respondWithError(mf, req, res, request, error);
  }
  return response.status;
}

/** Logs the error with the request line and sends the 500 error page (or cuts the response if too late). */
export async function respondWithError(
  mf: MiniflareCore,
  req: IncomingMessage,
  res: ServerResponse,
  request: Request,
  error: unknown,
): Promise<number> {
  mf.log.error(`${req.method} ${req.url}: ${formatError(error)}`);
  if (res.headersSent) {
    res.destroy();
    return 500;
  }
  const page = errorResponse(error, { method: request.method, url: request.url, headers: request.headers }, req.headers.accept);
  try {
    await writeResponse(page, res, { method: req.method ?? "GET", acceptEncoding: undefined });
  } catch {
    res.destroy();
  }
  return 500;
}

function sendBadRequest(res: ServerResponse, error: BadRequestError): void {
  const body = `${error.message}\n`;
  res.writeHead(400, {
    "Content-Type": "text/plain; charset=UTF-8",
    "Content-Length": Buffer.byteLength(body),
    Connection: "close",
  });
  res.end(body);
}

type ForWorker = Required<Pick<WriteOptions, "attribute" | "watchReload">>;
const forWorkers = new WeakMap<MiniflareCore, ForWorker>();

/** The write options that tie a response to `mf`'s worker (see WriteOptions): made once per instance. */
function forWorkerOf(mf: MiniflareCore): ForWorker {
  let options = forWorkers.get(mf);
  if (options === undefined) {
    options = {
      attribute: (reason) => mf.realm.error(reason),
      watchReload: (onReload) => {
        mf.addEventListener("reload", onReload);
        return () => mf.removeEventListener("reload", onReload);
      },
    };
    forWorkers.set(mf, options);
  }
  return options;
}
