/**
 * Hands one request to a loaded worker, in either format, and checks what comes back. Shared by
 * `MiniflareCore#dispatchFetch` and so by everything that serves a worker.
 */
import { runInRequestContext } from "./builtins/request-context.js";
import { FlareletError } from "./errors.js";
import { mapErrorStack } from "./stack-traces.js";
import { formatError, type Log } from "./log.js";
import { createFetchScope, ExecutionContext, FetchEvent, type FetchScope } from "./standards/events.js";
import { fetch } from "./standards/fetch.js";
import { makeImmutable } from "./standards/headers.js";
import { Request } from "./standards/request.js";
import { fromBaseResponse, Response, setWaitUntil } from "./standards/response.js";
import type { Worker } from "./worker.js";

/**
 * Marks a request that flarelet forwarded to its origin (passThroughOnException, or a service-worker
 * listener that did not respond). If such a request comes back to a flarelet worker that fails again, it
 * is not forwarded a second time: when the "origin" is this very server that would loop forever.
 */
const FORWARDED_HEADER = "x-flarelet-forwarded";

export async function dispatchFetch(worker: Worker, request: Request, log: Log): Promise<Response> {
  const scope = createFetchScope();
  // workerd's incoming request has immutable headers (a worker copies it to change them).
  makeImmutable(request.headers);
  let result: unknown;
  try {
    // The handler runs as this request's code: `waitUntil` from cloudflare:workers attaches to it.
    const context = { env: worker.env, waitUntil: (promise: Promise<unknown>) => void scope.waitUntil.push(promise) };
    const handled = runInRequestContext(context, () =>
      worker.format === "modules" ? callModuleHandler(worker, request, scope) : callServiceWorker(worker, request, scope, log),
    );
    // A reload or dispose ends the load, its timers with it: the request fails rather than waits forever.
    result = await worker.answering(handled);
  } catch (error) {
    if (!scope.passThrough || error instanceof FlareletError) throw withSourceMappedStack(error);
    log.debug(`passThroughOnException(): forwarding ${request.method} ${request.url} to its origin after: ${formatError(error)}`);
    result = await forwardToOrigin(request, error, log);
  }
  const response = toResponse(result);
  if (scope.waitUntil.length > 0) setWaitUntil(response, settleWaitUntil(scope.waitUntil, log));
  return response;
}

async function callModuleHandler(worker: Worker, request: Request, scope: FetchScope): Promise<unknown> {
  const handler = worker.defaultExport;
  if (typeof handler?.fetch !== "function") {
    // workerd's message (global-scope.c++, ServiceWorkerGlobalScope::request).
    throw new FlareletError("ERR_NO_HANDLER", "Handler does not export a fetch() function.");
  }
  return await handler.fetch(request, worker.env, new ExecutionContext(scope));
}

async function callServiceWorker(worker: Worker, request: Request, scope: FetchScope, log: Log): Promise<unknown> {
  if (worker.listeners.count("fetch") === 0) {
    throw new FlareletError("ERR_NO_HANDLER", "No event listener registered for fetch events.");
  }
  const event = new FetchEvent("fetch", { request, scope });
  try {
    // respondWith() stops immediate propagation: the listeners after it do not run.
    worker.listeners.dispatch(event);
  } finally {
    scope.dispatching = false;
  }
  if (scope.response === undefined) {
    // The runtime forwards the request to its origin ("default handling", global-scope.c++).
    return await forwardToOrigin(
      request,
      new FlareletError("ERR_NO_RESPONSE", "No fetch event listener called respondWith()."),
      log,
    );
  }
  return await scope.response;
}

/**
 * Forwards the request to its URL, as the runtime forwards to the origin. If that is impossible (the body
 * was read, the request was already forwarded once) or the origin cannot be reached, the caller gets the
 * original failure, which explains more than a network error would; the forwarding error is its `cause`
 * when it has none of its own.
 */
async function forwardToOrigin(request: Request, failure: unknown, log: Log): Promise<unknown> {
  if (request.headers.has(FORWARDED_HEADER) || request.bodyUsed) throw failure;
  const forwarded = new Request(request);
  forwarded.headers.set(FORWARDED_HEADER, "1");
  try {
    return await fetch(forwarded);
  } catch (error) {
    log.debug(`Forwarding ${request.method} ${request.url} to its origin failed: ${formatError(error)}`);
    if (failure instanceof Error && failure.cause === undefined) failure.cause = error;
    throw failure;
  }
}

/**
 * The caller gets the very error the worker threw, its stack naming the worker's source files (through a
 * bundle's source map) without flarelet's own frames, as every stack flarelet shows.
 */
function withSourceMappedStack(error: unknown): unknown {
  mapErrorStack(error);
  return error;
}

function toResponse(result: unknown): Response {
  if (result instanceof globalThis.Response) return fromBaseResponse(result);
  // workerd's message: a JSG promise-resolution type error (jsg/util.c++).
  throw new FlareletError(
    "ERR_INVALID_RESPONSE",
    "Incorrect type for Promise: the Promise did not resolve to 'Response'.",
  );
}

/** Every waitUntil() promise, settled; failures are logged (the runtime logs them too) and reported. */
function settleWaitUntil(promises: readonly Promise<unknown>[], log: Log): Promise<unknown[]> {
  for (const promise of promises) {
    promise.catch((error: unknown) => log.error(`Uncaught (in waitUntil promise): ${formatError(error)}`));
  }
  const all = Promise.all(promises);
  all.catch(() => {}); // reported above; `response.waitUntil()` still rejects for whoever awaits it
  return all;
}
