/**
 * The events a Workers WebSocket dispatches. They extend the host's `Event`, so `instanceof Event` holds in
 * the worker (whose `Event` global is the host's). `target`/`currentTarget` are set by the WebSocket's own
 * dispatcher (websocket.ts), which does not go through Node's EventTarget machinery.
 */
const kTarget = Symbol("flarelet.eventTarget");

const kStopped = Symbol("flarelet.immediatePropagationStopped");

class WebSocketEvent extends Event {
  [kTarget]: EventTarget | null = null;
  [kStopped] = false;

  override stopImmediatePropagation(): void {
    this[kStopped] = true;
    super.stopImmediatePropagation();
  }
}

/** Whether a listener called `stopImmediatePropagation()` (Node's `cancelBubble` also flips on `stopPropagation()`). */
export function isImmediatePropagationStopped(event: Event): boolean {
  return event instanceof WebSocketEvent ? event[kStopped] : event.cancelBubble;
}

// Accessors defined here rather than in the class body: @types/node declares them as properties of Event,
// which TypeScript does not let a subclass override with accessors.
function getTarget(this: WebSocketEvent): EventTarget | null {
  return this[kTarget];
}
Object.defineProperties(WebSocketEvent.prototype, {
  target: { get: getTarget, configurable: true },
  currentTarget: { get: getTarget, configurable: true },
  srcElement: { get: getTarget, configurable: true },
});

/** Sets the target of an event our dispatcher is about to deliver. */
export function setEventTarget(event: Event, target: EventTarget): void {
  if (event instanceof WebSocketEvent) event[kTarget] = target;
}

/** The DOM's EventInit (TypeScript has it only in the DOM lib). */
export interface EventInit {
  bubbles?: boolean;
  cancelable?: boolean;
  composed?: boolean;
}

export interface MessageEventInit extends EventInit {
  data?: unknown;
}

export class MessageEvent extends WebSocketEvent {
  readonly data: unknown;

  constructor(type: string, init: MessageEventInit = {}) {
    super(type, init);
    this.data = init.data ?? null;
  }
}

export interface CloseEventInit extends EventInit {
  code?: number;
  reason?: string;
  wasClean?: boolean;
}

export class CloseEvent extends WebSocketEvent {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;

  constructor(type: string, init: CloseEventInit = {}) {
    super(type, init);
    // Defaults as workerd's CloseEvent constructor (code 0, reason "", wasClean false).
    this.code = init.code ?? 0;
    this.reason = init.reason ?? "";
    this.wasClean = init.wasClean ?? false;
  }
}

export interface ErrorEventInit extends EventInit {
  error?: unknown;
  message?: string;
}

export class ErrorEvent extends WebSocketEvent {
  readonly error: unknown;
  readonly message: string;

  constructor(type: string, init: ErrorEventInit = {}) {
    super(type, init);
    this.error = init.error ?? null;
    this.message = init.message ?? "";
  }
}
