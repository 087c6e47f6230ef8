import { currentRequestContext } from "../builtins/request-context.js";
import type { Log } from "../log.js";
import { formatError } from "../log.js";

type Callback = (...args: unknown[]) => unknown;

/**
 * The worker's `setTimeout`/`setInterval`/`queueMicrotask`. They differ from Node's on purpose:
 * - they return numbers, as in the Workers runtime (Node returns `Timeout` objects);
 * - an exception thrown by a callback is logged instead of becoming an uncaught exception that would
 *   bring the host process down;
 * - every timer belongs to one load of the worker and `clearAll()` cancels them on reload and dispose,
 *   since the real runtime discards the isolate's timers with the isolate;
 * - a timer set by a Durable Object's code keeps that object awake until it fires or is cleared (the event's
 *   `keepAlive`, request-context.ts): workerd does not hibernate an object with a pending timer.
 */
export class WorkerTimers {
  readonly #log: Log;
  readonly #pending = new Map<number, NodeJS.Timeout>();
  /** For timers set by a Durable Object's code: what lets the object hibernate again. */
  readonly #releases = new Map<number, () => void>();
  #nextId = 1;

  constructor(log: Log) {
    this.#log = log;
  }

  readonly setTimeout = (callback: Callback, ms?: number, ...args: unknown[]): number => {
    assertCallable(callback, "setTimeout");
    const id = this.#nextId++;
    const timeout = setTimeout(() => {
      this.#pending.delete(id);
      this.#release(id);
      this.#run(callback, args, "setTimeout");
    }, toDelay(ms));
    this.#pending.set(id, timeout);
    this.#keepAlive(id);
    return id;
  };

  readonly setInterval = (callback: Callback, ms?: number, ...args: unknown[]): number => {
    assertCallable(callback, "setInterval");
    const id = this.#nextId++;
    this.#pending.set(
      id,
      setInterval(() => this.#run(callback, args, "setInterval"), toDelay(ms)),
    );
    this.#keepAlive(id);
    return id;
  };

  // clearTimeout and clearInterval are interchangeable, as on the web.
  readonly clearTimeout = (id?: unknown): void => {
    if (typeof id !== "number") return;
    const timer = this.#pending.get(id);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.#pending.delete(id);
    this.#release(id);
  };

  readonly clearInterval = this.clearTimeout;

  readonly queueMicrotask = (callback: Callback): void => {
    assertCallable(callback, "queueMicrotask");
    queueMicrotask(() => this.#run(callback, [], "queueMicrotask"));
  };

  /** Cancels every pending timer (on reload and dispose). */
  clearAll(): void {
    for (const timer of this.#pending.values()) clearTimeout(timer);
    this.#pending.clear();
    for (const release of this.#releases.values()) release();
    this.#releases.clear();
  }

  #keepAlive(id: number): void {
    const release = currentRequestContext()?.keepAlive?.();
    if (release !== undefined) this.#releases.set(id, release);
  }

  #release(id: number): void {
    const release = this.#releases.get(id);
    if (release === undefined) return;
    this.#releases.delete(id);
    release();
  }

  #run(callback: Callback, args: unknown[], source: string): void {
    try {
      const result = callback(...args);
      if (isThenable(result)) {
        result.then(undefined, (error: unknown) => this.#report(source, error));
      }
    } catch (error) {
      this.#report(source, error);
    }
  }

  #report(source: string, error: unknown): void {
    this.#log.error(`Uncaught exception in a ${source} callback: ${formatError(error)}`);
  }
}

function toDelay(ms: unknown): number {
  const delay = Number(ms);
  return Number.isFinite(delay) && delay > 0 ? delay : 0;
}

function assertCallable(callback: unknown, name: string): asserts callback is Callback {
  if (typeof callback !== "function") {
    throw new TypeError(`Failed to execute '${name}': parameter 1 is not of type 'Function'.`);
  }
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
