/**
 * `SELF` (`cloudflare:test`) and `exports` (`cloudflare:workers`): service bindings to the project's main
 * module. A request goes through the test file's flarelet worker (`dispatchFetch`: its `ExecutionContext`
 * and its checks of what the handler returns) into the main module, which vitest imported into the test's
 * realm (bridge.ts). A WebSocket upgrade comes back as `response.webSocket`, the client end to `accept()`.
 */
import type { MiniflareResponse } from "flarelet";
import { currentTestFile } from "./test-file.js";

export { env } from "./env.js";

type FetchInput = Parameters<typeof fetch>[0];

/** The part of workerd's `Fetcher` that flarelet implements: `fetch()` (README "Differences"). */
export interface Fetcher {
  fetch(input?: FetchInput, init?: RequestInit & { cf?: Record<string, unknown> }): Promise<MiniflareResponse>;
}

/** A service binding to the main module's default export, as the `main` worker's `SELF`. */
export const SELF: Fetcher = Object.freeze({
  fetch(input?: FetchInput, init?: RequestInit & { cf?: Record<string, unknown> }): Promise<MiniflareResponse> {
    const file = currentTestFile();
    return file.loadMain().then(() => file.dispatchFetch(input as never, init));
  },
});

/**
 * `exports` of `cloudflare:workers`: the main module's entrypoints as bindings (workerd's `ctx.exports`).
 * `exports.default` is `SELF`; `exports.<DurableObjectClass>` is the namespace bound to that class (the
 * test file's, so looked up on each read).
 */
export const exports: Readonly<Record<string, unknown>> = new Proxy(Object.freeze({ default: SELF }) as Record<string, unknown>, {
  get(target, key, receiver) {
    if (typeof key === "string" && key !== "default") {
      const file = currentTestFile();
      const bound = file.durableObjects.find(({ className }) => className === key);
      if (bound !== undefined) return file.env[bound.binding];
    }
    return Reflect.get(target, key, receiver);
  },
});

/**
 * `waitUntil()` of `cloudflare:workers`: keeps work going after a response; the test file's worker waits
 * for it before it ends.
 */
export function waitUntil(promise: unknown): void {
  currentTestFile().trackWaitUntil(Promise.resolve(promise));
}
