/**
 * The events a Workers WebSocket dispatches. They extend core's `WorkersEvent`, which is the host's `Event`
 * (so `instanceof Event` holds in the worker, whose `Event` global is the host's) with a target that the
 * socket's `ListenerList` sets, since the socket does not dispatch through Node's EventTarget machinery.
 */
import { WorkersEvent } from "@flarelet/core";

/** The DOM's EventInit (TypeScript has it only in the DOM lib). */
export interface EventInit {
  bubbles?: boolean;
  cancelable?: boolean;
  composed?: boolean;
}

export interface MessageEventInit extends EventInit {
  data?: unknown;
}

export class MessageEvent extends WorkersEvent {
  readonly data: unknown;
  /** workerd's MessageEvent has the DOM's other fields, with these values for a WebSocket's messages. */
  readonly origin: string | null = null;
  readonly lastEventId: string = "";
  readonly source: null = null;
  readonly ports: readonly unknown[] = [];

  constructor(type: string, init: MessageEventInit = {}) {
    super(type, init);
    this.data = init.data ?? null;
  }

  get [Symbol.toStringTag](): string {
    return "MessageEvent";
  }
}

export interface CloseEventInit extends EventInit {
  code?: number;
  reason?: string;
  wasClean?: boolean;
}

export class CloseEvent extends WorkersEvent {
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

  get [Symbol.toStringTag](): string {
    return "CloseEvent";
  }
}

export interface ErrorEventInit extends EventInit {
  error?: unknown;
  message?: string;
}

export class ErrorEvent extends WorkersEvent {
  readonly error: unknown;
  readonly message: string;

  constructor(type: string, init: ErrorEventInit = {}) {
    super(type, init);
    this.error = init.error ?? null;
    this.message = init.message ?? "";
  }

  get [Symbol.toStringTag](): string {
    return "ErrorEvent";
  }
}
