/**
 * The worker flarelet loads for a test file, and what it forwards to.
 *
 *     test realm (vitest)                         flarelet worker (node:vm)
 *     ─────────────────────                       ─────────────────────────
 *     SELF.fetch(url) ──► mf.dispatchFetch() ──► bridge `fetch(request, env, ctx)`
 *                                                        │
 *     main module (imported by vitest) ◄─────────────────┘  BridgeTarget.fetch
 *       default.fetch(request, env, ctx)
 *
 * The project's code never runs inside the flarelet worker: vitest imports it into the test's realm, where
 * coverage, fake timers and module mocks reach it, and where `import worker from "../src"` in a test is the
 * same module instance that SELF calls. flarelet supplies everything around it: the bindings (`env`), the
 * `ExecutionContext`, `dispatchFetch`'s checks of what the handler returns, WebSocket clean-up at the end.
 */
import { FlareletError } from "flarelet";

/** The bridge worker's global through which it reaches the test realm; excluded from the copied globals. */
export const BRIDGE_GLOBAL = "__flareletVitestBridge";

export const BRIDGE_SCRIPT = `// @flarelet/vitest: forwards to the project's main module in the test's realm.
const target = globalThis.${BRIDGE_GLOBAL};
export default {
  fetch(request, env, ctx) {
    return target.fetch(request, env, ctx);
  },
};
`;

/** What the bridge forwards to. */
export interface BridgeTarget {
  fetch(request: Request, env: Record<string, unknown>, ctx: unknown): Promise<unknown>;
}

/** The module namespace of the project's main module. */
export type MainModule = Record<string, unknown>;

/**
 * Calls the main module's default export as workerd calls an entrypoint: an object's `fetch(request, env,
 * ctx)`, or, for a class (`export default class extends WorkerEntrypoint`), `fetch(request)` on a new instance
 * made with `(ctx, env)`.
 */
export function createBridgeTarget(loadMain: () => Promise<MainModule>): BridgeTarget {
  return {
    async fetch(request, env, ctx) {
      const entry = (await loadMain()).default;
      if (typeof entry === "function" && typeof (entry.prototype as { fetch?: unknown } | undefined)?.fetch === "function") {
        const instance = new (entry as new (ctx: unknown, env: unknown) => { fetch(request: Request): unknown })(ctx, env);
        return await instance.fetch(request);
      }
      if (typeof entry === "object" && entry !== null && typeof (entry as { fetch?: unknown }).fetch === "function") {
        return await (entry as { fetch(request: Request, env: unknown, ctx: unknown): unknown }).fetch(request, env, ctx);
      }
      // workerd's message for an entrypoint without one (global-scope.c++, ServiceWorkerGlobalScope::request).
      throw new FlareletError("ERR_NO_HANDLER", "Handler does not export a fetch() function.");
    },
  };
}
