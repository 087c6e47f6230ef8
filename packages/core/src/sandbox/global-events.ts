/**
 * The service-worker format's global `addEventListener`/`removeEventListener`. These are plain functions
 * (a script calls `addEventListener("fetch", …)` without a receiver), and flarelet calls the listeners
 * itself when it dispatches a request, so that an exception reaches `dispatchFetch` as a rejection rather
 * than Node's EventTarget turning it into an uncaught exception.
 */
export type GlobalListener = ((event: Event) => unknown) | { handleEvent(event: Event): unknown };

/**
 * Events the runtime itself dispatches in the service-worker format; a modules worker exports handlers for
 * them instead, and workerd warns when one is listened for (api/basics.c++, `isSpecialEventType`).
 */
const SPECIAL_EVENT_TYPES = new Set(["fetch", "scheduled", "tail", "trace", "alarm"]);

export class GlobalEventListeners {
  readonly #byType = new Map<string, GlobalListener[]>();
  readonly #warn: ((message: string) => void) | undefined;

  /** `warnModules`: the worker uses module syntax; listening for a special event logs workerd's warning. */
  constructor(warnModules?: (message: string) => void) {
    this.#warn = warnModules;
  }

  readonly addEventListener = (type: string, listener: GlobalListener | null): void => {
    if (this.#warn !== undefined && SPECIAL_EVENT_TYPES.has(type)) {
      this.#warn(
        `When using module syntax, the '${type}' event handler should be declared as an exported function on ` +
          "the root module as opposed to using the global addEventListener().",
      );
    }
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
