/**
 * Promises that something outside them can fail: `guard(promise)` settles as `promise` does, unless
 * `interrupt(error)` comes first, and then (and for every guard after it) rejects with that error. A load
 * of the worker fails the requests it is answering this way when it ends (worker.ts); the HTTP server fails
 * a response's pending read or write when an encoder breaks or the worker reloads.
 *
 * Not `Promise.race` against one long-lived promise of the interruption: every race leaves a reaction on
 * that promise until it settles, so memory grows with each request or chunk (about 300 bytes a race; HTTP
 * fell from ~12k to ~7k requests/s when requests were tracked that way, see BENCHMARKS.md).
 */
export class Interrupter {
  /** The functions that fail each pending guard. */
  readonly #pending = new Set<(error: unknown) => void>();
  #interruption: { error: unknown } | undefined;

  /** `promise`, unless `interrupt()` comes first. */
  guard<T>(promise: Promise<T>): Promise<T> {
    const interruption = this.#interruption;
    if (interruption !== undefined) {
      promise.catch(() => {}); // nobody waits for it any more
      return Promise.reject(interruption.error);
    }
    return new Promise<T>((resolve, reject) => {
      const pending = this.#pending;
      pending.add(reject);
      promise.then(
        (value) => {
          pending.delete(reject);
          resolve(value);
        },
        (error: unknown) => {
          pending.delete(reject);
          reject(error);
        },
      );
    });
  }

  /** Fails every pending guard, and every later one, with `error`; only the first interruption counts. */
  interrupt(error: unknown): void {
    if (this.#interruption !== undefined) return;
    this.#interruption = { error };
    for (const fail of this.#pending) fail(error);
    this.#pending.clear();
  }
}
