/**
 * What `@flarelet/core/internal` offers plugins about worker rejections (rejections.ts has the mechanism).
 */
import { loadedGlobalScope, type MiniflareCore } from "../core.js";
import { attributeReason } from "./rejections.js";

export { isWorkerRejection } from "./rejections.js";

/**
 * Marks `reason`, an error a plugin made for `mf`'s worker (a body it cancels or discards on the worker's
 * behalf), as that worker's: if it rejects a promise nobody handles, core logs it on the worker's log
 * instead of leaving it to Node's default, which would end the process. Returns `reason`, for use inline.
 */
export function attributeToWorker<T extends object>(mf: MiniflareCore, reason: T): T {
  const scope = loadedGlobalScope(mf);
  if (scope !== undefined) attributeReason(reason, scope);
  return reason;
}
