/**
 * The service-worker format's global `addEventListener`/`removeEventListener`. These are plain functions
 * (a script calls `addEventListener("fetch", …)` without a receiver), and flarelet calls the listeners
 * itself when it dispatches a request, so that an exception reaches `dispatchFetch` as a rejection rather
 * than Node's EventTarget turning it into an uncaught exception.
 */
export type GlobalListener = ((event: Event) => unknown) | { handleEvent(event: Event): unknown };

export class GlobalEventListeners {
  readonly #byType = new Map<string, GlobalListener[]>();

  readonly addEventListener = (type: string, listener: GlobalListener | null): void => {
    if (listener === null || listener === undefined) return;
    const listeners = this.#byType.get(type) ?? [];
    if (!listeners.includes(listener)) listeners.push(listener);
    this.#byType.set(type, listeners);
  };

  readonly removeEventListener = (type: string, listener: GlobalListener | null): void => {
    const listeners = this.#byType.get(type);
    if (listeners === undefined || listener === null) return;
    const index = listeners.indexOf(listener);
    if (index !== -1) listeners.splice(index, 1);
  };

  /** The listeners for `type`, in registration order (a copy: listeners may remove themselves). */
  listeners(type: string): GlobalListener[] {
    return [...(this.#byType.get(type) ?? [])];
  }

  get size(): number {
    let count = 0;
    for (const listeners of this.#byType.values()) count += listeners.length;
    return count;
  }
}

export function callListener(listener: GlobalListener, event: Event): unknown {
  return typeof listener === "function" ? listener(event) : listener.handleEvent(event);
}
