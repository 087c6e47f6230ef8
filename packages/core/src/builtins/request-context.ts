/**
 * Which request (or other event) the worker's code is running for, across its `await`s: what
 * `waitUntil` and `env` from `cloudflare:workers` need, as workerd's `IoContext::current()` does.
 *
 * Tracking it costs: on Node 20 an `AsyncLocalStorage` turns on promise hooks for the whole process, which
 * slows every promise. So it starts only once a worker imports `cloudflare:workers`, or a plugin that needs it
 * calls `enableRequestContext` (Durable Objects do, to know what keeps an object awake); until then
 * `runInRequestContext` is a plain call and nothing is tracked.
 */
import { AsyncLocalStorage } from "node:async_hooks";

/** What one event offers the code running for it. */
export interface RequestContext {
  /** Keeps the event's work going after its response, as `ctx.waitUntil` does. */
  waitUntil(promise: Promise<unknown>): void;
  /** The `env` of this event (replaced inside `withEnv`). */
  readonly env: Record<string, unknown>;
  /**
   * Called when the event's code starts something that outlives it and keeps its Durable Object in memory
   * (a timer, a WebSocket it accepted); the returned function is called once that thing ends. Absent for
   * events that belong to no object. A Durable Object with nothing of the kind is idle and may hibernate
   * (workerd: an object with pending timers or non-hibernatable sockets is not evicted).
   */
  readonly keepAlive?: () => () => void;
}

let storage: AsyncLocalStorage<RequestContext> | undefined;

/** Starts tracking the current request: when a worker first imports `cloudflare:workers`, or a plugin asks. */
export function enableRequestContext(): void {
  storage ??= new AsyncLocalStorage();
}

/** Runs `fn` as code of the event `context` (a plain call while tracking is off). */
export function runInRequestContext<T>(context: RequestContext, fn: () => T): T {
  return storage === undefined ? fn() : storage.run(context, fn);
}

/** The event the calling code runs for, if any (none at a module's top level, or while tracking is off). */
export function currentRequestContext(): RequestContext | undefined {
  return storage?.getStore();
}
