/**
 * Event classes a worker can construct, which Node lacks or keeps elsewhere: `ErrorEvent`,
 * `ExtendableEvent` (the base of workerd's handler events), `ScheduledEvent` (a cron trigger's event);
 * and `reportError`, which reports an error as uncaught without throwing it (workerd logs it).
 */
export class ErrorEvent extends Event {
  readonly message: string;
  readonly filename: string;
  readonly lineno: number;
  readonly colno: number;
  readonly error: unknown;

  constructor(type: string, init: { message?: string; filename?: string; lineno?: number; colno?: number; error?: unknown } = {}) {
    super(type);
    this.message = String(init.message ?? "");
    this.filename = String(init.filename ?? "");
    this.lineno = Number(init.lineno ?? 0);
    this.colno = Number(init.colno ?? 0);
    this.error = init.error;
  }

  get [Symbol.toStringTag](): string {
    return "ErrorEvent";
  }
}

export class ExtendableEvent extends Event {
  readonly #promises: Promise<unknown>[] = [];

  /** Keeps the event's work going; failures are reported by whoever dispatched the event. */
  waitUntil(promise: unknown): void {
    this.#promises.push(Promise.resolve(promise));
  }

  get [Symbol.toStringTag](): string {
    return "ExtendableEvent";
  }
}

export class ScheduledEvent extends ExtendableEvent {
  readonly scheduledTime: number;
  readonly cron: string;

  constructor(type: string, init: { scheduledTime?: number; cron?: string } = {}) {
    super(type);
    this.scheduledTime = Number(init.scheduledTime ?? Date.now());
    this.cron = String(init.cron ?? "");
  }

  noRetry(): void {}

  override get [Symbol.toStringTag](): string {
    return "ScheduledEvent";
  }
}

/** `reportError(error)` for one load: the error goes to the log as uncaught, and nothing is thrown. */
export function createReportError(report: (error: unknown) => void): (error: unknown) => void {
  return function reportError(error: unknown): void {
    report(error);
  };
}

/** The classes of the worker's global scope (workerd: `ServiceWorkerGlobalScope extends WorkerGlobalScope`). */
export class WorkerGlobalScope extends EventTarget {
  constructor() {
    super();
    throw new TypeError("Illegal constructor");
  }
}

export class ServiceWorkerGlobalScope extends WorkerGlobalScope {}
