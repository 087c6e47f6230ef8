/**
 * When a Durable Object may hibernate. workerd evicts an object from memory once it has been idle for 10 s
 * (src/workerd/server/server.c++, `handleShutdown`; checked on Miniflare 4): nothing in flight and nothing
 * that holds it, its hibernatable WebSockets staying open. What holds an object here:
 *
 *   - an event being delivered to it (a request, an RPC call, an alarm, a WebSocket message), from the
 *     moment it waits for the input gate until its promise settles;
 *   - a `ctx.waitUntil()` promise, until it settles;
 *   - what its events started that outlives them (core's request-context `keepAlive()`): a pending
 *     `setTimeout`/`setInterval`, a WebSocket it `accept()`ed or opened, until it is closed.
 *
 * Every hold is counted; when the count falls to zero the countdown starts (`hibernateAfter` ms), and any
 * new hold cancels it. The countdown uses node:timers, which vitest's fake timers leave alone (as the input
 * gate does): a test that fakes time does not hibernate objects by moving the clock.
 */
import { clearTimeout, setTimeout } from "node:timers";

export class IdleTracker {
  readonly #after: number;
  readonly #onIdle: () => void;
  #holds = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  /** `onIdle` runs once the object has been idle for `after` ms. */
  constructor(after: number, onIdle: () => void) {
    this.#after = after;
    this.#onIdle = onIdle;
  }

  /** Nothing holds the object. */
  get idle(): boolean {
    return this.#holds === 0;
  }

  /** Holds the object until the returned function is called (calls after the first do nothing). */
  hold(): () => void {
    this.#holds++;
    this.#cancel();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#holds--;
      if (this.#holds === 0) this.#arm();
    };
  }

  /** Holds the object until `promise` settles. */
  holdUntil(promise: Promise<unknown>): void {
    const release = this.hold();
    promise.then(release, release);
  }

  /** Stops the countdown for good (the host is gone). */
  close(): void {
    this.#closed = true;
    this.#cancel();
  }

  #arm(): void {
    if (this.#closed) return;
    this.#cancel();
    // Unref'd: an idle object's countdown does not keep the process alive.
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#holds === 0) this.#onIdle();
    }, this.#after).unref();
  }

  #cancel(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
