// Types of `cloudflare:test` under @flarelet/vitest. Add "@flarelet/vitest/types" to `compilerOptions.types`
// in the tsconfig of your tests, beside your Workers types (@cloudflare/workers-types, or the file that
// `wrangler types` writes), whose global names (Fetcher, ExecutionContext, ScheduledController, MessageBatch,
// Cloudflare.Env…) are used here. `cloudflare:workers` is declared by those Workers types already.

declare module "cloudflare:test" {
  /**
   * The test file's bindings: the wrangler config's, the `miniflare` option's, fresh for every test file. The
   * same object the worker's handlers receive. (vitest-pool-workers marks it deprecated in favour of
   * `import { env } from "cloudflare:workers"`, which is the same here.)
   */
  export const env: Cloudflare.Env;

  /**
   * A service binding to the default export of the `main` module, which runs in the test's own realm: the
   * module a test imports with `import worker from "../src"` is the one SELF calls. Only `fetch()` is
   * implemented. (Deprecated by vitest-pool-workers in favour of `exports.default` from
   * `cloudflare:workers`, which is the same here.)
   */
  export const SELF: Pick<Fetcher, "fetch">;

  /** The third argument of a modules worker's handlers, for calling them from a unit test. */
  export function createExecutionContext(): ExecutionContext;

  /**
   * Waits until every promise passed to `ctx.waitUntil()` has settled, including those added while waiting.
   * One rejection is rethrown; several become an `AggregateError`. Only for contexts from
   * `createExecutionContext()`.
   */
  export function waitOnExecutionContext(ctx: ExecutionContext): Promise<void>;

  /** The first argument of a modules worker's `scheduled()` handler (defaults: now, and cron ""). */
  export function createScheduledController(options?: FetcherScheduledOptions): ScheduledController;

  /** The first argument of a modules worker's `queue()` handler. */
  export function createMessageBatch<Body = unknown>(queueName: string, messages: ServiceBindingQueueMessage<Body>[]): MessageBatch<Body>;

  /**
   * Waits for `ctx`'s `waitUntil()`s, then reports which messages of `batch` the handler acked or asked to
   * retry. Only for values from `createMessageBatch()` and `createExecutionContext()`.
   */
  export function getQueueResult(batch: MessageBatch, ctx: ExecutionContext): Promise<FetcherQueueResult>;

  /**
   * Runs `callback(instance, state)` inside the Durable Object `stub` points at, as one more event through its
   * input gate (constructing the object if need be); resolves with what the callback returns.
   */
  export function runInDurableObject<O extends DurableObject | import("cloudflare:workers").DurableObject, R>(
    stub: DurableObjectStub<O>,
    callback: (instance: O, state: DurableObjectState) => R | Promise<R>,
  ): Promise<R>;

  /** Runs the object's alarm now if one is set, and removes it: true if it ran. */
  export function runDurableObjectAlarm(stub: DurableObjectStub): Promise<boolean>;

  /** The ids of the namespace's objects that have storage. */
  export function listDurableObjectIds<T>(namespace: DurableObjectNamespace<T>): Promise<DurableObjectId[]>;

  export interface DurableObjectEvictionOptions {
    /** What happens to the object's hibernatable WebSockets: they hibernate (stay open), or close. @default "hibernate" */
    webSockets?: "close" | "hibernate";
  }

  /**
   * Evicts the object: once no event of it is in flight, its instance goes (the next event constructs the
   * class again), storage stays, hibernatable WebSockets hibernate (or close). Rejects if it is not running.
   */
  export function evictDurableObject(stub: DurableObjectStub, options?: DurableObjectEvictionOptions): Promise<void>;

  /** Evicts every running object, as `evictDurableObject()` does; objects not running are skipped. */
  export function evictAllDurableObjects(options?: DurableObjectEvictionOptions): Promise<void>;

  /** Tears down every instance at once, whatever it is doing; hibernatable WebSockets close; storage stays. */
  export function abortAllDurableObjects(): Promise<void>;

  /** Deletes every Durable Object's storage and alarm, and tears down every instance. */
  export function reset(): Promise<void>;
}
