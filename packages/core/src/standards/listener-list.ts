/**
 * `ListenerList`: the one list of event listeners in flarelet. The worker's `EventTarget` (and the signals
 * of its `AbortController`), the global `addEventListener` of a worker and the Workers `WebSocket` of
 * `@flarelet/web-sockets` all keep their listeners here, so the DOM's rules (order, duplicates, `once`,
 * `signal`, removal during a dispatch, `stopImmediatePropagation()`) are written once, and what happens
 * when a listener throws is a parameter rather than a copy:
 *
 *     policy          a listener throws                         used by
 *     (no onError)    the dispatch ends, dispatch() throws it   EventTarget, the global fetch listeners
 *     onError → stop  reported, the dispatch ends               AbortSignal.timeout()'s signals
 *     onError → go on reported, the next listener runs          WebSocket (logs, closes the socket 1011)
 *
 * workerd's EventTarget (api/basics.c++, `EventTarget::dispatchEventImpl`) ends the dispatch at the first
 * exception and throws it to the code that called `dispatchEvent()`. Node's reports it as an uncaught
 * exception on the next tick, which ends the embedding process: that is why flarelet never lets Node call a
 * worker's listener directly.
 */
import { isThenable } from "../sandbox/timers.js";
import { isImmediatePropagationStopped, setEventTarget, WorkersEvent } from "./workers-event.js";

export type Listener = ((event: Event) => unknown) | { handleEvent(event: Event): unknown };

export interface ListenerOptions {
  capture?: boolean;
  once?: boolean;
  signal?: AbortSignal;
}

export interface ListenerListOptions {
  /**
   * Called with what a listener threw; it returns whether the dispatch goes on with the next listener.
   * Without it, the exception ends the dispatch and `dispatch()` throws it.
   */
  onError?(error: unknown, event: Event): "continue" | "stop";
  /** Called when a promise a listener returned rejects. Without it, the rejection is left alone. */
  onRejection?(error: unknown, event: Event): void;
  /** A listener returning `true` calls `event.preventDefault()`, as workerd does. @default false */
  returnTrueCancels?: boolean;
  /** Called when the last listener of a type is gone (removed, `once`, or its signal aborted). */
  onEmpty?(type: string): void;
}

interface Entry {
  readonly listener: Listener;
  readonly capture: boolean;
  readonly once: boolean;
  removed: boolean;
}

export class ListenerList {
  readonly #byType = new Map<string, Entry[]>();
  readonly #options: ListenerListOptions;

  /** `options` may be an object of the caller's own: its methods are called with it as `this`. */
  constructor(options: ListenerListOptions = {}) {
    this.#options = options;
  }

  /** Adds `listener` for `type`; a second registration of the same listener (and capture flag) is ignored. */
  add(type: string, listener: Listener | null | undefined, options?: boolean | ListenerOptions): void {
    if (!isListener(listener)) return;
    const { capture, once, signal } = normalise(options);
    if (signal?.aborted) return;
    let entries = this.#byType.get(type);
    if (entries === undefined) this.#byType.set(type, (entries = []));
    else if (entries.some((entry) => entry.listener === listener && entry.capture === capture)) return;
    const entry: Entry = { listener, capture, once, removed: false };
    entries.push(entry);
    signal?.addEventListener("abort", () => this.#remove(type, entry), { once: true });
  }

  remove(type: string, listener: Listener | null | undefined, options?: boolean | ListenerOptions): void {
    const capture = normalise(options).capture;
    const entry = this.#byType.get(type)?.find((item) => item.listener === listener && item.capture === capture);
    if (entry !== undefined) this.#remove(type, entry);
  }

  /** How many listeners `type` has, or all types together. */
  count(type?: string): number {
    if (type !== undefined) return this.#byType.get(type)?.length ?? 0;
    let count = 0;
    for (const entries of this.#byType.values()) count += entries.length;
    return count;
  }

  /**
   * Calls the listeners of `event.type` in registration order, with `this` = `target`. Listeners added during
   * the dispatch do not run for this event; ones removed during it do not run any more. A `WorkersEvent`
   * gets `target` as its target; any other event keeps what its dispatcher (Node's EventTarget) set.
   */
  dispatch(target: object | undefined, event: Event): void {
    const entries = this.#byType.get(event.type);
    if (entries === undefined || entries.length === 0) return;
    const snapshot = entries.length === 1 ? [entries[0]!] : [...entries];
    if (event instanceof WorkersEvent) {
      if (target !== undefined) setEventTarget(event, target);
      this.#run(snapshot, target, event, isImmediatePropagationStopped);
    } else {
      watchingImmediateStop(event, (stopped) => this.#run(snapshot, target, event, stopped));
    }
  }

  #run<E extends Event>(snapshot: readonly Entry[], target: object | undefined, event: E, stopped: (event: E) => boolean): void {
    // Called as methods: a class may be its own list's options.
    const options = this.#options;
    for (const entry of snapshot) {
      if (entry.removed) continue;
      if (entry.once) this.#remove(event.type, entry);
      try {
        const { listener } = entry;
        const returned = typeof listener === "function" ? listener.call(target, event) : listener.handleEvent(event);
        if (returned === true && options.returnTrueCancels === true) event.preventDefault();
        else if (options.onRejection !== undefined && isThenable(returned)) {
          returned.then(undefined, (error: unknown) => options.onRejection!(error, event));
        }
      } catch (error) {
        if (options.onError === undefined) throw error;
        if (options.onError(error, event) === "stop") return;
      }
      if (stopped(event)) return;
    }
  }

  #remove(type: string, entry: Entry): void {
    entry.removed = true;
    const entries = this.#byType.get(type);
    const index = entries?.indexOf(entry) ?? -1;
    if (index === -1) return;
    entries!.splice(index, 1);
    if (entries!.length === 0) {
      this.#byType.delete(type);
      this.#options.onEmpty?.(type);
    }
  }
}

function isListener(value: unknown): value is Listener {
  return typeof value === "function" || (typeof value === "object" && value !== null);
}

function normalise(options: boolean | ListenerOptions | undefined): { capture: boolean; once: boolean; signal?: AbortSignal } {
  if (typeof options === "boolean") return { capture: options, once: false };
  return { capture: options?.capture === true, once: options?.once === true, signal: options?.signal ?? undefined };
}

/**
 * Runs `run` with a way to tell whether a listener called `stopImmediatePropagation()` on `event`, an event
 * flarelet did not make (the worker's `new Event()`, Node's "abort" events): Node keeps that flag in a
 * private field, so for the length of the dispatch the event gets an own `stopImmediatePropagation` that
 * notes the call and then does what the inherited one does. Only events dispatched on the worker's
 * EventTarget come here; flarelet's own events (WorkersEvent) record it themselves.
 */
function watchingImmediateStop(event: Event, run: (stopped: () => boolean) => void): void {
  if (Object.hasOwn(event, "stopImmediatePropagation")) {
    run(() => false);
    return;
  }
  const inherited = event.stopImmediatePropagation;
  let stopped = false;
  Object.defineProperty(event, "stopImmediatePropagation", {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function stopImmediatePropagation(this: Event): void {
      stopped = true;
      inherited.call(this);
    },
  });
  try {
    run(() => stopped);
  } finally {
    delete (event as { stopImmediatePropagation?: unknown }).stopImmediatePropagation;
  }
}
