/**
 * `cloudflare:test` in a test file: the API of `@cloudflare/vitest-pool-workers` (README lists every
 * export and each difference).
 */
export { env, SELF } from "./self.js";
export { createExecutionContext, waitOnExecutionContext } from "./execution-context.js";
export { createScheduledController } from "./scheduled.js";
export { createMessageBatch, getQueueResult } from "./queue.js";
export {
  abortAllDurableObjects,
  evictAllDurableObjects,
  evictDurableObject,
  listDurableObjectIds,
  reset,
  runDurableObjectAlarm,
  runInDurableObject,
} from "./durable-objects.js";
