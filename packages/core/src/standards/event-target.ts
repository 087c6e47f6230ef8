/**
 * The worker's `EventTarget`: Node's, with workerd's listener handling.
 *
 * Node reports a listener's exception as an uncaught exception (`process.nextTick(() => { throw error })` in
 * lib/internal/event_target.js), and does the same for a listener's rejected promise: either ends the
 * embedding process. In workerd (api/basics.c++, `EventTarget::dispatchEventImpl`) the first listener that
 * throws ends the dispatch, and its exception comes out of `dispatchEvent()` to the worker code that called
 * it; a listener's return value is ignored (a rejected one is an unhandled rejection, which core logs), except
 * that returning `true` is the same as calling `preventDefault()`. workerd also refuses capturing and
 * passive listeners, with the TypeErrors below.
 *
 * The listeners live in a `ListenerList` (listener-list.ts), which has those rules. Node still dispatches
 * the event (it sets `target`, `currentTarget` and `eventPhase`, which only it can), to one listener of ours
 * per type, which runs the list:
 *
 *     target.dispatchEvent(event) ──► Node's dispatchEvent ──► runList ──► the target's ListenerList
 *                 ▲                                                         │ a listener throws
 *                 └──── thrown to the caller (or reported) ◄── noted ◄──────┘
 */
import { widenInstanceCheck } from "../sandbox/realm.js";
import { ListenerList, type Listener } from "./listener-list.js";

const HostEventTarget = globalThis.EventTarget;

/** Node's methods, typed loosely: these overrides pass through whatever the worker gave. */
type ListenerMethod = (this: unknown, type: string, listener: unknown, options?: unknown) => void;

type ListenerOptions = boolean | { capture?: unknown; passive?: unknown; once?: unknown; signal?: unknown } | undefined;

const hostAdd = HostEventTarget.prototype.addEventListener as ListenerMethod;
const hostRemove = HostEventTarget.prototype.removeEventListener as ListenerMethod;
const hostDispatch = HostEventTarget.prototype.dispatchEvent;

/** The targets with workerd's listener handling (instances of the worker's EventTarget, adopted signals). */
const listsOf = new WeakMap<object, ListenerList>();

/** Events being dispatched by `dispatchEvent()` below, and what their listeners threw. */
const dispatching = new WeakSet<Event>();
const failures = new WeakMap<Event, { error: unknown }>();

/** The one listener Node holds per type of such a target: runs the target's list. */
function runList(this: object, event: Event): void {
  const list = listsOf.get(this);
  if (list === undefined) return;
  // Dispatched by Node itself rather than through dispatchEvent() (none is known today): Node's handling.
  if (!dispatching.has(event)) return list.dispatch(this, event);
  try {
    list.dispatch(this, event);
  } catch (error) {
    failures.set(event, { error });
  }
}

function createList(target: object, report: ((error: unknown) => void) | undefined): ListenerList {
  return new ListenerList({
    returnTrueCancels: true,
    // Without a report, the first exception ends the dispatch and dispatchEvent() throws it (runList notes it).
    onError:
      report === undefined
        ? undefined
        : (error) => {
            report(error);
            return "stop";
          },
    onEmpty: (type) => hostRemove.call(target, type, runList),
  });
}

/**
 * The methods of such a target, on the worker's EventTarget's prototype and as own methods of an adopted
 * one. Applied to another target (a host one), they leave it to Node, after workerd's option checks.
 */
const WORKERS_METHODS = {
  addEventListener(this: object, type: string, listener: unknown, options?: ListenerOptions): void {
    refuseCaptureAndPassive("addEventListener", options, true);
    const list = listsOf.get(this);
    // Not ours, or not a listener (Node's own validation decides what to say).
    if (list === undefined || !isListener(listener)) return hostAdd.call(this, type, listener, options);
    const name = `${type}`;
    const before = list.count(name);
    list.add(name, listener, options as boolean | { once?: boolean; signal?: AbortSignal });
    if (before === 0 && list.count(name) > 0) hostAdd.call(this, name, runList);
  },
  removeEventListener(this: object, type: string, listener: unknown, options?: ListenerOptions): void {
    refuseCaptureAndPassive("removeEventListener", options, false);
    const list = listsOf.get(this);
    if (list === undefined || !isListener(listener)) return hostRemove.call(this, type, listener, options);
    list.remove(`${type}`, listener, options as boolean | undefined);
  },
  dispatchEvent(this: object, event: Event): boolean {
    if (!listsOf.has(this) || typeof event !== "object" || event === null) return hostDispatch.call(this, event);
    dispatching.add(event);
    let notCancelled: boolean;
    try {
      notCancelled = hostDispatch.call(this, event);
    } finally {
      dispatching.delete(event);
    }
    const failure = failures.get(event);
    if (failure !== undefined) {
      failures.delete(event);
      throw failure.error;
    }
    return notCancelled;
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
    listsOf.set(this, createList(this, undefined));
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
  listsOf.set(target, createList(target, report));
  defineWorkersMethods(target);
  return target;
}

function isListener(value: unknown): value is Listener {
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
