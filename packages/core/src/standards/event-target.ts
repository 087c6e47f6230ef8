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

const HostEventTarget = globalThis.EventTarget;

/** Node's methods, typed loosely: these overrides pass through whatever the worker gave. */
type ListenerMethod = (this: unknown, type: string, listener: unknown, options?: unknown) => void;

type ListenerOptions = boolean | { capture?: unknown; passive?: unknown; once?: unknown; signal?: unknown } | undefined;

/** One call of `dispatchEvent`: whether a listener threw, and what. */
interface Dispatch {
  failed: boolean;
  error: unknown;
}

export class EventTarget extends HostEventTarget {
  /** type → the listener's wrapper, so that `removeEventListener` finds what was registered. */
  readonly #wrappers = new Map<string, WeakMap<object, (event: Event) => void>>();
  /** Dispatches in progress on this target, innermost last (a listener may dispatch again). */
  readonly #dispatches: Dispatch[] = [];

  /** `instanceof EventTarget` in the worker also holds for the host's targets (AbortSignal, WebSocket). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return this === EventTarget
      ? value instanceof HostEventTarget
      : Function.prototype[Symbol.hasInstance].call(this, value);
  }

  override addEventListener(type: string, listener: unknown, options?: ListenerOptions): void {
    refuseCaptureAndPassive("addEventListener", options, true);
    if (!(#wrappers in this) || !isListener(listener)) {
      // Not one of ours (the method applied to a host target), or no listener: Node's handling.
      return (super.addEventListener as ListenerMethod).call(this, type, listener, options);
    }
    (super.addEventListener as ListenerMethod).call(this, type, this.#wrapperFor(String(type), listener), options);
  }

  override removeEventListener(type: string, listener: unknown, options?: ListenerOptions): void {
    refuseCaptureAndPassive("removeEventListener", options, false);
    const wrapper = #wrappers in this && isListener(listener) ? this.#wrappers.get(String(type))?.get(listener) : undefined;
    (super.removeEventListener as ListenerMethod).call(this, type, wrapper ?? listener, options);
  }

  override dispatchEvent(event: Event): boolean {
    if (!(#dispatches in this)) return super.dispatchEvent(event);
    const dispatch: Dispatch = { failed: false, error: undefined };
    this.#dispatches.push(dispatch);
    let notCancelled: boolean;
    try {
      notCancelled = super.dispatchEvent(event);
    } finally {
      this.#dispatches.pop();
    }
    if (dispatch.failed) throw dispatch.error;
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
