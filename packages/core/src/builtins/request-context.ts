/**
 * Which request (or other event) the worker's code is running for, across its `await`s: what
 * `waitUntil` and `env` from `cloudflare:workers` need, as workerd's `IoContext::current()` does.
 *
 * Tracking it costs: on Node 20 an `AsyncLocalStorage` turns on promise hooks for the whole process, which
 * slows every promise. So it starts only once a worker imports `cloudflare:workers` (`enableRequestContext`);
 * until then `runInRequestContext` is a plain call and nothing is tracked.
 */
import { AsyncLocalStorage } from "node:async_hooks";

/** What one event offers the code running for it. */
export interface RequestContext {
  /** Keeps the event's work going after its response, as `ctx.waitUntil` does. */
  waitUntil(promise: Promise<unknown>): void;
  /** The `env` of this event (replaced inside `withEnv`). */
  readonly env: Record<string, unknown>;
}

let storage: AsyncLocalStorage<RequestContext> | undefined;

/** Starts tracking the current request; called when a worker first imports `cloudflare:workers`. */
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
