import type { Request } from "./request.js";
import { WorkersEvent } from "./workers-event.js";

/**
 * What one fetch event collects while the worker handles it. `dispatchFetch` owns it; the worker only
 * reaches it through `ExecutionContext`/`FetchEvent` methods, never directly.
 */
export interface FetchScope {
  readonly waitUntil: Promise<unknown>[];
  passThrough: boolean;
  /** True while listeners run synchronously; `respondWith()` is only allowed then. */
  dispatching: boolean;
  /** What `respondWith()` was given. */
  response: Promise<unknown> | undefined;
}

export function createFetchScope(): FetchScope {
  return { waitUntil: [], passThrough: false, dispatching: true, response: undefined };
}

/** The `ctx` a modules worker's `fetch(request, env, ctx)` receives. */
export class ExecutionContext {
  readonly #scope: FetchScope;
  /** What a parent worker passed through a service binding (`ctx.props`); an empty object otherwise. */
  readonly props: Record<string, unknown> = {};
  /** Loopback bindings to the worker's own exported entrypoints (`ctx.exports`); none are modelled here. */
  readonly exports: Record<string, unknown> = {};

  constructor(scope: FetchScope) {
    this.#scope = scope;
  }

  get [Symbol.toStringTag](): string {
    return "ExecutionContext";
  }

  /** Keeps work going after the response was sent; failures are logged. */
  waitUntil(promise: unknown): void {
    this.#scope.waitUntil.push(Promise.resolve(promise));
  }

  /** If the handler throws, forward the request to its origin instead of failing it. */
  passThroughOnException(): void {
    this.#scope.passThrough = true;
  }
}

/** The event a service-worker format script receives: `addEventListener("fetch", (event) => …)`. */
export class FetchEvent extends WorkersEvent {
  readonly request: Request;
  readonly #scope: FetchScope;

  constructor(type: "fetch", init: { request: Request; scope: FetchScope }) {
    super(type);
    this.request = init.request;
    this.#scope = init.scope;
  }

  respondWith(response: unknown): void {
    if (!this.#scope.dispatching) {
      throw new DOMException(
        "Too late to call FetchEvent.respondWith(). It must be called synchronously in the event handler.",
        "InvalidStateError",
      );
    }
    if (this.#scope.response !== undefined) {
      throw new DOMException("FetchEvent.respondWith() has already been called; it can only be called once.", "InvalidStateError");
    }
    this.stopImmediatePropagation();
    this.#scope.response = Promise.resolve(response);
  }

  waitUntil(promise: unknown): void {
    this.#scope.waitUntil.push(Promise.resolve(promise));
  }

  passThroughOnException(): void {
    this.#scope.passThrough = true;
  }
}

const kInternal = Symbol("flarelet.internal");

/**
 * The event of an `unhandledrejection` listener (`addEventListener("unhandledrejection", …)`). As in workerd
 * (api/global-scope.h), only the runtime makes one: `new PromiseRejectionEvent()` is an illegal constructor.
 */
export class PromiseRejectionEvent extends WorkersEvent {
  readonly promise: Promise<unknown>;
  readonly reason: unknown;

  constructor(token: typeof kInternal, type: "unhandledrejection", promise: Promise<unknown>, reason: unknown) {
    if (token !== kInternal) throw new TypeError("Illegal constructor");
    super(type);
    this.promise = promise;
    this.reason = reason;
  }
}

export function createPromiseRejectionEvent(promise: Promise<unknown>, reason: unknown): PromiseRejectionEvent {
  return new PromiseRejectionEvent(kInternal, "unhandledrejection", promise, reason);
}
