/**
 * The worker's `EventTarget`: Node's, with workerd's handling of a listener that throws.
 *
 * Node reports such an exception as an uncaught exception (`process.nextTick(() => { throw error })` in
 * lib/internal/event_target.js), and does the same for a listener's rejected promise: either ends the
 * embedding process. In workerd (api/basics.c++, `EventTarget::dispatchEventImpl`) the first listener that
 * throws ends the dispatch, and its exception comes out of `dispatchEvent()` to the worker code that called
 * it; a listener's return value is ignored (a rejected one is an unhandled rejection, which core logs), except
 * that returning `true` is the same as calling `preventDefault()`. workerd also refuses capturing and
 * passive listeners, with the TypeErrors below.
 *
 * Each listener is registered with Node through a wrapper that does this, so everything else (order, `once`,
 * `signal`, `stopImmediatePropagation()`, the event's `target`) stays Node's.
 */
import type { GlobalListener } from "../sandbox/global-events.js";
import { widenInstanceCheck } from "../sandbox/realm.js";

const HostEventTarget = globalThis.EventTarget;

/** Node's methods, typed loosely: these overrides pass through whatever the worker gave. */
type ListenerMethod = (this: unknown, type: string, listener: unknown, options?: unknown) => void;

type ListenerOptions = boolean | { capture?: unknown; passive?: unknown; once?: unknown; signal?: unknown } | undefined;

/** One call of `dispatchEvent`: whether a listener threw, and what. */
interface Dispatch {
  failed: boolean;
  error: unknown;
}

/**
 * workerd's listener handling for one target: each listener is registered with Node through a wrapper
 * (remembered, so that removal finds it), and each dispatch is a frame that records the first exception.
 */
class WorkersListeners {
  /** Where a listener's exception goes when no worker code called the dispatch; without it, it is thrown. */
  readonly #report: ((error: unknown) => void) | undefined;
  /** type → the listener's wrapper. */
  readonly #wrappers = new Map<string, WeakMap<object, (event: Event) => void>>();
  /** Dispatches in progress on this target, innermost last (a listener may dispatch again). */
  readonly #dispatches: Dispatch[] = [];

  constructor(report?: (error: unknown) => void) {
    this.#report = report;
  }

  /** What Node should register for `listener`: its wrapper, or `listener` itself when it is not one. */
  toRegister(type: string, listener: unknown): unknown {
    return isListener(listener) ? this.#wrapperFor(String(type), listener) : listener;
  }

  /** What Node registered for `listener`, to remove it. */
  registered(type: string, listener: unknown): unknown {
    return (isListener(listener) ? this.#wrappers.get(String(type))?.get(listener) : undefined) ?? listener;
  }

  /** Runs Node's dispatch; a listener's exception ends it and is thrown, or reported if this target reports. */
  dispatch(run: () => boolean): boolean {
    const dispatch: Dispatch = { failed: false, error: undefined };
    this.#dispatches.push(dispatch);
    let notCancelled: boolean;
    try {
      notCancelled = run();
    } finally {
      this.#dispatches.pop();
    }
    if (dispatch.failed) {
      if (this.#report === undefined) throw dispatch.error;
      this.#report(dispatch.error);
    }
    return notCancelled;
  }

  #wrapperFor(type: string, listener: GlobalListener): (event: Event) => void {
    let byListener = this.#wrappers.get(type);
    if (byListener === undefined) this.#wrappers.set(type, (byListener = new WeakMap()));
    let wrapper = byListener.get(listener);
    if (wrapper === undefined) {
      const dispatches = this.#dispatches;
      wrapper = function (this: unknown, event: Event): void {
        const dispatch = dispatches.at(-1);
        if (dispatch?.failed) return; // an earlier listener threw: workerd calls no more
        try {
          const returned = typeof listener === "function" ? listener.call(this, event) : listener.handleEvent(event);
          if (returned === true) event.preventDefault();
        } catch (error) {
          if (dispatch === undefined) throw error; // dispatched by Node itself, not by dispatchEvent(): Node's handling
          dispatch.failed = true;
          dispatch.error = error;
        }
      };
      byListener.set(listener, wrapper);
    }
    return wrapper;
  }
}

const hostAdd = HostEventTarget.prototype.addEventListener as ListenerMethod;
const hostRemove = HostEventTarget.prototype.removeEventListener as ListenerMethod;
const hostDispatch = HostEventTarget.prototype.dispatchEvent;

/** The targets with workerd's listener handling: instances of the worker's EventTarget, and adopted signals. */
const listenersOf = new WeakMap<object, WorkersListeners>();

/**
 * The methods of such a target, on the worker's EventTarget's prototype and as own methods of an adopted
 * one. Applied to another target (a host one), they leave it to Node, after workerd's option checks.
 */
const WORKERS_METHODS = {
  addEventListener(this: object, type: string, listener: unknown, options?: ListenerOptions): void {
    refuseCaptureAndPassive("addEventListener", options, true);
    const listeners = listenersOf.get(this);
    hostAdd.call(this, type, listeners === undefined ? listener : listeners.toRegister(type, listener), options);
  },
  removeEventListener(this: object, type: string, listener: unknown, options?: ListenerOptions): void {
    refuseCaptureAndPassive("removeEventListener", options, false);
    const listeners = listenersOf.get(this);
    hostRemove.call(this, type, listeners === undefined ? listener : listeners.registered(type, listener), options);
  },
  dispatchEvent(this: object, event: Event): boolean {
    const listeners = listenersOf.get(this);
    if (listeners === undefined) return hostDispatch.call(this, event);
    return listeners.dispatch(() => hostDispatch.call(this, event));
  },
};

function defineWorkersMethods(target: object): void {
  for (const [name, value] of Object.entries(WORKERS_METHODS)) {
    // Like the prototype's methods: writable and configurable, not enumerable.
    Object.defineProperty(target, name, { value, writable: true, configurable: true, enumerable: false });
  }
}

export class EventTarget extends HostEventTarget {
  constructor() {
    super();
    listenersOf.set(this, new WorkersListeners());
  }
}
defineWorkersMethods(EventTarget.prototype);
// `instanceof EventTarget` in the worker also holds for the host's targets (AbortSignal, WebSocket).
widenInstanceCheck(EventTarget, (value) => value instanceof HostEventTarget);

/**
 * Gives a target that Node made (an AbortSignal) the worker's listener handling, through own methods: Node
 * itself calls `signal.dispatchEvent(event)` when the signal aborts (lib/internal/abort_controller.js), so
 * a listener's exception comes out of `controller.abort()`, as in workerd. With `report`, for a dispatch no
 * worker code called (a timeout's), the exception is reported instead of thrown into Node's timer.
 */
export function withWorkersListeners<T extends globalThis.EventTarget>(target: T, report?: (error: unknown) => void): T {
  listenersOf.set(target, new WorkersListeners(report));
  defineWorkersMethods(target);
  return target;
}

function isListener(value: unknown): value is GlobalListener {
  return typeof value === "function" || (typeof value === "object" && value !== null);
}

/** workerd's messages (api/basics.c++, `EventTarget::addEventListener`/`removeEventListener`). */
function refuseCaptureAndPassive(method: string, options: ListenerOptions, checkPassive: boolean): void {
  if (typeof options === "boolean" || options === undefined || options === null) {
    if (options === true) throw new TypeError(`${method}(): useCapture must be false.`);
    return;
  }
  if (typeof options !== "object") return;
  if (options.capture) throw new TypeError(`${method}(): options.capture must be false.`);
  if (checkPassive && options.passive) throw new TypeError(`${method}(): options.passive must be false.`);
}
