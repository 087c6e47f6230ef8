/**
 * `createScheduledController(options?)`: the first argument of a modules worker's `scheduled(controller,
 * env, ctx)`, for unit tests. As in workerd (api/scheduled.h), `scheduledTime` (milliseconds) and `cron` are
 * read-only, and `noRetry()` exists; defaults are now and "".
 */
const kConstruct = Symbol("flarelet.vitest.construct");

export interface ScheduledOptions {
  scheduledTime?: number | Date;
  cron?: string;
}

export class ScheduledController {
  declare readonly scheduledTime: number;
  declare readonly cron: string;

  constructor(token: typeof kConstruct, options: ScheduledOptions = {}) {
    if (token !== kConstruct) throw new TypeError("Illegal constructor");
    const scheduledTime = Number(options.scheduledTime ?? Date.now());
    const cron = String(options.cron ?? "");
    // Read-only own accessors, as workerd's JSG_READONLY_INSTANCE_PROPERTY.
    Object.defineProperties(this, {
      scheduledTime: { get: () => scheduledTime, enumerable: true },
      cron: { get: () => cron, enumerable: true },
    });
  }

  noRetry(): void {
    if (!(this instanceof ScheduledController)) throw new TypeError("Illegal invocation");
  }
}

export function createScheduledController(options?: ScheduledOptions): ScheduledController {
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw new TypeError("Failed to execute 'createScheduledController': parameter 1 is not of type 'ScheduledOptions'.");
  }
  return new ScheduledController(kConstruct, options);
}
