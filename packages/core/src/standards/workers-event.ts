/**
 * `WorkersEvent`: the base of the events flarelet itself makes (FetchEvent, PromiseRejectionEvent, the
 * WebSocket's MessageEvent/CloseEvent/ErrorEvent). It is Node's `Event` (so `instanceof Event` holds in the
 * worker, whose `Event` is the host's) with two things Node keeps in private fields and a `ListenerList`
 * needs when it dispatches without Node's `EventTarget`: the target, and whether a listener called
 * `stopImmediatePropagation()` (Node's public `cancelBubble` cannot tell it from `stopPropagation()`).
 */
const kTarget = Symbol("flarelet.eventTarget");
const kImmediateStop = Symbol("flarelet.immediatePropagationStopped");

export class WorkersEvent extends Event {
  [kTarget]: object | null = null;
  [kImmediateStop] = false;

  override stopImmediatePropagation(): void {
    this[kImmediateStop] = true;
    super.stopImmediatePropagation();
  }
}

// Accessors defined here rather than in the class body: @types/node declares them as properties of Event,
// which TypeScript does not let a subclass override with accessors.
function getTarget(this: WorkersEvent): object | null {
  return this[kTarget];
}
Object.defineProperties(WorkersEvent.prototype, {
  target: { get: getTarget, configurable: true },
  currentTarget: { get: getTarget, configurable: true },
  srcElement: { get: getTarget, configurable: true },
});

/** Sets the target of a `WorkersEvent` about to be dispatched; other events keep what Node set. */
export function setEventTarget(event: Event, target: object): void {
  if (event instanceof WorkersEvent) event[kTarget] = target;
}

/** Whether a listener called `stopImmediatePropagation()` on a `WorkersEvent`. */
export function isImmediatePropagationStopped(event: WorkersEvent): boolean {
  return event[kImmediateStop];
}
