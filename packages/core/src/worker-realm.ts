/**
 * `WorkerRealm`: what a plugin (or a server) hands to a worker, made as the runtime would have made it in
 * the worker. The worker runs in its own `node:vm` realm; most host values need nothing (an `instanceof`
 * check in the worker accepts the host's objects, arrays, ArrayBuffers and typed arrays: sandbox/realm.ts),
 * but four kinds do:
 *
 * - `Request`/`Response`: the worker's are core's classes (`Request`, `Response` from `@flarelet/core`).
 *   Build those, or adopt Node's (a `fetch()` result, `new globalThis.Response()`) with `response()` and
 *   `request()`; a Node `Response` fails `instanceof Response` in the worker and has no `webSocket`.
 * - Promises: a host promise the worker leaves floating and that rejects is, to Node, the embedder's own
 *   unhandled rejection, which ends the process. `promise()` makes it the worker's: logged, and the worker
 *   goes on, as in workerd.
 * - Errors made on the worker's behalf that may reject such a promise (a body cancelled because the client
 *   left): `error()` marks them as the worker's for the same reason.
 * - `AbortSignal`s the worker listens to: `signal()` gives their "abort" listeners workerd's handling (an
 *   exception is reported, never thrown into Node's timer or socket code).
 *
 * The realm is the instance's current load, looked up on each call: a plugin may keep it from `setup` and
 * use it while requests are served, across reloads.
 */
import type { Log } from "./log.js";
import { formatError } from "./log.js";
import { attributeReason } from "./sandbox/rejections.js";
import { withWorkersListeners } from "./standards/event-target.js";
import { fromBaseRequest, type Request } from "./standards/request.js";
import { fromBaseResponse, type Response } from "./standards/response.js";

export interface WorkerRealm {
  /** A Response made by Node (undici) as the Workers `Response` a worker sees: the same object, re-branded. */
  response(response: globalThis.Response): Response;
  /** A Request made by Node (undici) as the Workers `Request`: the same object, re-branded. */
  request(request: globalThis.Request): Request;
  /** `value` as a promise of the worker's realm: if it rejects unhandled, it is the worker's rejection (logged). */
  promise<T>(value: T | PromiseLike<T>): Promise<Awaited<T>>;
  /** Marks `reason`, made on the worker's behalf, as the worker's if it rejects a promise nobody handles. */
  error<T extends object>(reason: T): T;
  /**
   * Gives `signal`'s "abort" listeners workerd's handling: an exception is passed to `onListenerError`
   * (by default logged) instead of becoming an uncaught exception.
   */
  signal<S extends AbortSignal>(signal: S, onListenerError?: (error: unknown) => void): S;
}

/** The realm of the load `currentGlobal()` returns (undefined before the first load: host promises then). */
export function createWorkerRealm(currentGlobal: () => Record<string, unknown> | undefined, log: Log): WorkerRealm {
  return {
    response: (response) => fromBaseResponse(response),
    request: (request) => fromBaseRequest(request),
    promise<T>(value: T | PromiseLike<T>) {
      const RealmPromise = (currentGlobal()?.Promise as PromiseConstructor | undefined) ?? Promise;
      return RealmPromise.resolve(value);
    },
    error(reason) {
      const global = currentGlobal();
      if (global !== undefined) attributeReason(reason, global);
      return reason;
    },
    signal(signal, onListenerError) {
      return withWorkersListeners(
        signal,
        onListenerError ?? ((error) => log.error(`Uncaught exception in an "abort" listener: ${formatError(error)}`)),
      );
    },
  };
}
