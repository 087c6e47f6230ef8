/**
 * The worker's global `addEventListener`/`removeEventListener`. These are plain functions (a script calls
 * `addEventListener("fetch", …)` without a receiver), and flarelet dispatches to the listeners itself, from
 * a `ListenerList` whose policy is "the first exception ends the dispatch and is thrown": a fetch listener's
 * exception reaches `dispatchFetch` as a rejection rather than Node turning it into an uncaught exception.
 */
import { ListenerList, type Listener, type ListenerOptions } from "../standards/listener-list.js";

/**
 * Events the runtime itself dispatches in the service-worker format; a modules worker exports handlers for
 * them instead, and workerd warns when one is listened for (api/basics.c++, `isSpecialEventType`).
 */
const SPECIAL_EVENT_TYPES = new Set(["fetch", "scheduled", "tail", "trace", "alarm"]);

export class GlobalEventListeners {
  // A fetch listener's returned promise is not awaited by the runtime; its rejection is ignored here.
  readonly #list = new ListenerList({ onRejection: () => {} });
  readonly #warn: ((message: string) => void) | undefined;

  /** `warnModules`: the worker uses module syntax; listening for a special event logs workerd's warning. */
  constructor(warnModules?: (message: string) => void) {
    this.#warn = warnModules;
  }

  readonly addEventListener = (type: string, listener: Listener | null, options?: boolean | ListenerOptions): void => {
    if (this.#warn !== undefined && SPECIAL_EVENT_TYPES.has(type)) {
      this.#warn(
        `When using module syntax, the '${type}' event handler should be declared as an exported function on ` +
          "the root module as opposed to using the global addEventListener().",
      );
    }
    this.#list.add(`${type}`, listener, options);
  };

  readonly removeEventListener = (type: string, listener: Listener | null, options?: boolean | ListenerOptions): void => {
    this.#list.remove(`${type}`, listener, options);
  };

  /** How many listeners `type` has (all types without one). */
  count(type?: string): number {
    return this.#list.count(type);
  }

  /**
   * Calls the listeners of `event.type` in registration order, without a `this`, as flarelet always has.
   * The first exception ends the dispatch and is thrown; `stopImmediatePropagation()` (which
   * `respondWith()` calls) ends it too.
   */
  dispatch(event: Event): void {
    this.#list.dispatch(undefined, event);
  }
}
