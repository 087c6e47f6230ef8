/**
 * `cloudflare:workers`, core's own built-in module: the base classes a worker extends (`WorkerEntrypoint`,
 * `DurableObject`, `WorkflowEntrypoint`, `RpcTarget`), the importable `env`, `withEnv` and `waitUntil`.
 *
 * As in workerd (src/workerd/api/workers-module.c++), the entrypoint classes' constructor only stores its
 * two arguments as `this.ctx` and `this.env`, so a subclass needs no constructor of its own. The classes are
 * the same objects for every worker and every load, exported from `@flarelet/core` too, so that a plugin
 * (Durable Objects, the vitest integration) recognises a worker's class with
 * `DurableObject.prototype.isPrototypeOf(Class.prototype)`.
 *
 * Departures: workerd's `RpcStub`, `RpcPromise`, `ServiceStub`, `exports`, `cache`, `tracing` and
 * `abortIsolate` are not provided (the README says so).
 */
import { currentRequestContext, enableRequestContext, runInRequestContext } from "./request-context.js";

/**
 * Base class of a stateless service a worker exports (`export class Api extends WorkerEntrypoint { … }`).
 * `this.ctx` is the execution context and `this.env` the bindings.
 */
export class WorkerEntrypoint<Env = unknown, Ctx = unknown> {
  ctx: Ctx;
  env: Env;
  constructor(ctx: Ctx, env: Env) {
    this.ctx = ctx;
    this.env = env;
  }
}

/**
 * Base class of a Durable Object class (`export class Counter extends DurableObject { … }`). `this.ctx` is
 * the object's state (`ctx.id`, `ctx.storage`, …) and `this.env` the bindings.
 */
export class DurableObject<Env = unknown, State = unknown> {
  ctx: State;
  env: Env;
  constructor(ctx: State, env: Env) {
    this.ctx = ctx;
    this.env = env;
  }
}

/** Base class of a Workflow (`export class Flow extends WorkflowEntrypoint { async run(event, step) {} }`). */
export class WorkflowEntrypoint<Env = unknown, Ctx = unknown> {
  ctx: Ctx;
  env: Env;
  constructor(ctx: Ctx, env: Env) {
    this.ctx = ctx;
    this.env = env;
  }
}

/** Marks a class whose instances are passed by reference over RPC rather than copied. */
export class RpcTarget {}

/** workerd's message for I/O outside a handler (src/workerd/io/io-context.c++, kAsyncIoErrorMessage). */
/** The specifier core provides itself; a plugin contributing it is an ERR_MODULE_CONFLICT. */
export const WORKERS_MODULE = "cloudflare:workers";

export const GLOBAL_SCOPE_IO_MESSAGE =
  "Disallowed operation called within global scope. Asynchronous I/O (ex: fetch() or connect()), setting a " +
  "timeout, and generating random values are not allowed within global scope. To fix this error, perform " +
  "this operation within a handler. https://developers.cloudflare.com/workers/runtime-apis/handlers/";

/**
 * The exports of `cloudflare:workers` for one load of a worker, whose bindings are `loadEnv`. Made when the
 * worker first imports the module, which also starts request tracking (request-context.ts).
 */
export function createWorkersModule(loadEnv: Record<string, unknown>): Record<string, unknown> {
  enableRequestContext();
  const currentEnv = (): Record<string, unknown> => currentRequestContext()?.env ?? loadEnv;
  return {
    WorkerEntrypoint,
    DurableObject,
    WorkflowEntrypoint,
    RpcTarget,
    env: createEnvProxy(currentEnv, Object.getPrototypeOf(loadEnv) as object | null),
    /** Like `ctx.waitUntil`, for the request the calling code runs for. */
    waitUntil(promise: unknown): void {
      const context = currentRequestContext();
      if (context === undefined) throw new Error(GLOBAL_SCOPE_IO_MESSAGE);
      context.waitUntil(Promise.resolve(promise));
    },
    /** Runs `fn` with the importable `env` replaced by `newEnv`, across its awaits. */
    withEnv(newEnv: unknown, fn: () => unknown): unknown {
      if (typeof newEnv !== "object" || newEnv === null) {
        throw new TypeError("withEnv(): the new env must be an object.");
      }
      const context = currentRequestContext();
      return runInRequestContext(
        {
          env: newEnv as Record<string, unknown>,
          waitUntil: (promise) => {
            if (context === undefined) throw new Error(GLOBAL_SCOPE_IO_MESSAGE);
            context.waitUntil(promise);
          },
          keepAlive: context?.keepAlive,
        },
        fn,
      );
    },
  };
}

/**
 * The importable `env`: one object for the life of the module whose properties are those of the current
 * env, as workerd's proxy (src/cloudflare/workers.ts). It is not the `env` a handler receives, but holds
 * the same bindings, and writes go through to it.
 */
function createEnvProxy(currentEnv: () => Record<string, unknown>, prototype: object | null): Record<string, unknown> {
  // The target lends the proxy a prototype of the worker's realm, so that `env instanceof Object` holds there.
  return new Proxy(Object.create(prototype) as Record<string, unknown>, {
    get: (_, key) => Reflect.get(currentEnv(), key),
    set: (_, key, value) => Reflect.set(currentEnv(), key, value),
    has: (_, key) => Reflect.has(currentEnv(), key),
    ownKeys: () => Reflect.ownKeys(currentEnv()),
    deleteProperty: (_, key) => Reflect.deleteProperty(currentEnv(), key),
    defineProperty: (_, key, descriptor) => Reflect.defineProperty(currentEnv(), key, descriptor),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(currentEnv(), key);
      // A proxy may only report a property its (empty) target lacks as configurable.
      return descriptor === undefined ? undefined : { ...descriptor, configurable: true };
    },
  });
}

