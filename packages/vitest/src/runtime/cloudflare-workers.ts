/**
 * `cloudflare:workers` in a test file and in the worker's code, which vitest runs in the test's realm:
 * `env` is the test file's bindings, `exports.default` dispatches to the main module as `SELF` does.
 */
export { env, exports, waitUntil } from "./self.js";
export { DurableObject, RpcTarget, WorkerEntrypoint, WorkflowEntrypoint } from "@flarelet/core";
