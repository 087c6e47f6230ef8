// The part of `cloudflare:test` these tests use, in this example's own few Workers types (src/runtime.d.ts).
// A project with @cloudflare/workers-types adds "@flarelet/vitest/types" to its tsconfig's `types` instead.

declare module "cloudflare:test" {
  export const env: { ROOMS: DurableObjectNamespace };
  export const SELF: { fetch(input: string, init?: RequestInit): Promise<Response> };
  export function runInDurableObject<O, R>(stub: DurableObjectStub, callback: (instance: O, state: DurableObjectState) => R | Promise<R>): Promise<R>;
  export function evictDurableObject(stub: DurableObjectStub, options?: { webSockets?: "hibernate" | "close" }): Promise<void>;
}

interface Response {
  /** The client end of a WebSocket the worker answered an upgrade with (status 101). */
  readonly webSocket: WorkersWebSocket | null;
}
