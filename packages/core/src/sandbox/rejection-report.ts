/**
 * What happens to a promise of one load that nobody handled (rejections.ts decides that it is the worker's).
 */
import { formatError, type Log } from "../log.js";
import { createPromiseRejectionEvent } from "../standards/events.js";
import type { GlobalEventListeners } from "./global-events.js";

/**
 * With "unhandledrejection" listeners, workerd dispatches them a PromiseRejectionEvent (api/global-scope.c++,
 * `emitPromiseRejection`) and they have taken over reporting; without, the rejection is logged as the
 * runtime's devtools console shows it.
 */
export function reportUnhandledRejection(
  listeners: GlobalEventListeners,
  log: Log,
  reason: unknown,
  promise: Promise<unknown>,
): void {
  if (listeners.count("unhandledrejection") === 0) {
    log.error(`Uncaught (in promise) ${formatError(reason)}`);
    return;
  }
  try {
    listeners.dispatch(createPromiseRejectionEvent(promise, reason));
  } catch (error) {
    // workerd's words (jsg/promise.c++); as in its dispatch, the first exception ends it.
    log.warn(`Exception while logging unhandled rejection: ${formatError(error)}`);
  }
}
