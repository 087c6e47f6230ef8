/**
 * `@flarelet/core/internal`: what flarelet's own plugin packages share with core beyond the public API.
 * Third-party plugins may use it too, but it follows core's minor versions, not semver-major promises.
 */
export { kResponseWebSocket, isResponseWebSocket, fromBaseResponse, unreadTextBody } from "./standards/response.js";
export { fromBaseRequest } from "./standards/request.js";
export { formatError } from "./log.js";
export { isThenable } from "./sandbox/timers.js";
export { messageOf } from "./errors.js";
export { CORE_OPTION_NAMES } from "./options.js";
export { attributeToWorker, isWorkerRejection } from "./sandbox/worker-rejections.js";
export { isCompatibilityEnabled } from "./core.js";
export { withWorkersListeners } from "./standards/event-target.js";
export { Interrupter } from "./interrupter.js";
export { runInRequestContext } from "./builtins/request-context.js";
export type { RequestContext } from "./builtins/request-context.js";
