/**
 * `createExecutionContext()` and `waitOnExecutionContext(ctx)`: the third argument of a modules worker's
 * handlers, for unit tests that call `worker.fetch(request, env, ctx)` themselves, and the wait for whatever
 * the handler passed to `ctx.waitUntil()`. Names, errors and behaviour as `@cloudflare/vitest-pool-workers`'.
 */
import { currentTestFile } from "./test-file.js";

/** Lets only this module construct the class: as in workerd, `new ExecutionContext()` is illegal. */
const kConstruct = Symbol("flarelet.vitest.construct");
const kWaitUntil = Symbol("flarelet.vitest.waitUntil");

export class ExecutionContext {
  readonly [kWaitUntil]: unknown[] = [];
  /** workerd's `ctx.props`: what the caller of an entrypoint passed; nothing, for a test's own context. */
  readonly props: Record<string, unknown> = {};

  constructor(token: typeof kConstruct) {
    if (token !== kConstruct) throw new TypeError("Illegal constructor");
  }

  waitUntil(promise: unknown): void {
    if (!(this instanceof ExecutionContext)) throw new TypeError("Illegal invocation");
    this[kWaitUntil].push(promise);
    // Also kept by the test file, which does not end its worker while one is pending.
    currentTestFile().trackWaitUntil(Promise.resolve(promise));
  }

  passThroughOnException(): void {
    if (!(this instanceof ExecutionContext)) throw new TypeError("Illegal invocation");
  }
}

export function createExecutionContext(): ExecutionContext {
  return new ExecutionContext(kConstruct);
}

/** Whether `ctx` came from `createExecutionContext()`. */
export function isExecutionContext(ctx: unknown): ctx is ExecutionContext {
  return ctx instanceof ExecutionContext;
}

/**
 * Settles every promise given to `ctx.waitUntil()`, including those added while waiting. One rejection is
 * rethrown as it is; several become an `AggregateError`.
 */
export async function waitOnExecutionContext(ctx: unknown): Promise<void> {
  if (!isExecutionContext(ctx)) {
    throw new TypeError(
      "Failed to execute 'getWaitUntil': parameter 1 is not of type 'ExecutionContext'.\n" +
        "You must call 'createExecutionContext()' or 'createPagesEventContext()' to get an 'ExecutionContext' instance.",
    );
  }
  const errors: unknown[] = [];
  const pending = ctx[kWaitUntil];
  while (pending.length > 0) {
    const batch = pending.splice(0);
    for (const result of await Promise.allSettled(batch)) {
      if (result.status === "rejected") errors.push(result.reason);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors);
}
