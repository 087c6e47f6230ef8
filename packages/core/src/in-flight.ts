/**
 * The requests one load of the worker is answering. When the load ends (a reload, a dispose), its timers are
 * cancelled with it, so a request still waiting on it would never be answered: it is failed instead.
 *
 * A `Set` of the functions that fail each request, not `Promise.race` against one promise of the load's end:
 * every request would leave a reaction on that promise for the life of the load (BENCHMARKS.md saw HTTP fall
 * from ~12k to ~7k requests/s).
 */
import { FlareletError } from "./errors.js";

export type LoadEnd = "reloaded" | "disposed";

export class RequestsInFlight {
  readonly #failers = new Set<(error: FlareletError) => void>();

  /** `handled`, the worker's answer to a request, unless the load ends first (see `failAll`). */
  answering<T>(handled: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const failers = this.#failers;
      failers.add(reject);
      handled.then(
        (value) => {
          failers.delete(reject);
          resolve(value);
        },
        (error: unknown) => {
          failers.delete(reject);
          reject(error);
        },
      );
    });
  }

  /** Fails every request still in flight with ERR_RELOADED or ERR_DISPOSED. */
  failAll(why: LoadEnd): void {
    if (this.#failers.size === 0) return;
    const error =
      why === "reloaded"
        ? new FlareletError("ERR_RELOADED", "The worker was reloaded while this request was in flight; the version handling it is gone.")
        : new FlareletError("ERR_DISPOSED", "This MiniflareCore instance was disposed while this request was in flight.");
    for (const fail of this.#failers) fail(error);
    this.#failers.clear();
  }
}
