/**
 * The input gate, as workerd runs Durable Objects (https://blog.cloudflare.com/durable-objects-easy-fast-correct-choose-three/):
 * while an object waits for its storage, no other event (request, RPC call, alarm) is delivered to it, so
 * that `const n = await storage.get("n"); await storage.put("n", n + 1)` never loses an update to a
 * concurrent request. Between storage operations (while the object awaits `fetch()`, a timer…) events
 * interleave freely, as in workerd.
 *
 * A lock is released one turn of the event loop after the operation completes, not at once: the code
 * awaiting the result runs first (it may start the next storage operation, which takes the gate again),
 * whatever number of microtasks the await takes across realms.
 *
 * `setImmediate` comes from `node:timers`, not the global: a test that fakes timers (`vi.useFakeTimers()`
 * replaces the global's) must still get its storage operations through the gate. An alarm, which is the
 * object's own notion of time, does follow fake timers (alarms.ts uses the global's).
 */
import { setImmediate } from "node:timers";

export class InputGate {
  #locks = 0;
  #waiters: (() => void)[] = [];

  get locked(): boolean {
    return this.#locks > 0;
  }

  /**
   * Runs `deliver` as soon as no lock is held, in the same turn as the check: anything in between (an
   * `await`) could let another event take the gate first.
   */
  async whenOpen<T>(deliver: () => T): Promise<T> {
    while (this.#locks > 0) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    return deliver();
  }

  /** Takes a lock; the returned function releases it (once; later calls do nothing). */
  lock(): () => void {
    this.#locks++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      setImmediate(() => this.#release());
    };
  }

  /** Holds the gate while `operation` runs and until the code awaiting it has had its turn. */
  async hold<T>(operation: () => T | Promise<T>): Promise<Awaited<T>> {
    const release = this.lock();
    try {
      return await operation();
    } finally {
      release();
    }
  }

  #release(): void {
    this.#locks--;
    if (this.#locks > 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
