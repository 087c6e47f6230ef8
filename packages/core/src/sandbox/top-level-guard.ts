/**
 * workerd refuses I/O, timers and randomness while a script is being loaded ("global scope"): they belong
 * to a request, and at load time there is none (workerd: io/io-context.c++, `IoContext::current()` throws
 * this message when no request is running). Which operations are refused was measured on workerd with the
 * conformance harness (conformance/cases/restrictions.mjs): among them `setTimeout`, `crypto.getRandomValues`,
 * `new Response()`, `new WebSocketPair()`, `new AbortController()`, `new TransformStream()`; while
 * `Math.random()`, `new Request()`, `new Headers()` and `crypto.subtle.digest()` are allowed.
 *
 * One guard per load: on while the script evaluates (its top-level awaits included), off for good once the
 * load has finished. The per-load globals consult it.
 */
export const DISALLOWED_IN_GLOBAL_SCOPE =
  "Disallowed operation called within global scope. Asynchronous I/O (ex: fetch() or connect()), setting a " +
  "timeout, and generating random values are not allowed within global scope. To fix this error, perform this " +
  "operation within a handler. https://developers.cloudflare.com/workers/runtime-apis/handlers/";

/** Globals whose construction is refused at the top level, where a plugin or core provides them. */
const GUARDED_CONSTRUCTORS = [
  "Response",
  "WebSocketPair",
  "WebSocket",
  "AbortController",
  "TransformStream",
  "IdentityTransformStream",
  "FixedLengthStream",
];
/** Global functions refused at the top level. */
const GUARDED_FUNCTIONS = ["fetch", "setTimeout", "setInterval"];

export class TopLevelGuard {
  #atTopLevel = true;

  /** The load has finished: from now on, code runs for a request (or a timer a request set). */
  leave(): void {
    this.#atTopLevel = false;
  }

  get atTopLevel(): boolean {
    return this.#atTopLevel;
  }

  /** Throws workerd's error while the script is being loaded. */
  check(): void {
    if (this.#atTopLevel) throw new Error(DISALLOWED_IN_GLOBAL_SCOPE);
  }

  /** `fn`, refusing to run at the top level. */
  guardFunction<F extends (...args: never[]) => unknown>(fn: F): F {
    const guard = this;
    return new Proxy(fn, {
      apply(target, thisArg, args) {
        guard.check();
        return Reflect.apply(target, thisArg, args);
      },
    });
  }

  /** Replaces the guarded globals in `globals` (in place) with guarded versions. */
  guardGlobals(globals: Record<string, unknown>): void {
    for (const name of GUARDED_CONSTRUCTORS) {
      const value = globals[name];
      if (typeof value === "function") globals[name] = this.#guardClass(value as new (...args: never[]) => unknown);
    }
    for (const name of GUARDED_FUNCTIONS) {
      const value = globals[name];
      if (typeof value === "function") globals[name] = this.guardFunction(value as (...args: never[]) => unknown);
    }
  }

  /**
   * `constructor`, refusing `new` at the top level. A Proxy keeps everything else (statics, `prototype`,
   * `instanceof`, subclassing) as the class's own.
   */
  #guardClass(constructor: new (...args: never[]) => unknown): unknown {
    const guard = this;
    const proxy: object = new Proxy(constructor, {
      construct(target, args, newTarget) {
        guard.check();
        // `new Response()` reaches here with newTarget === proxy; a subclass passes its own.
        return Reflect.construct(target, args, newTarget === proxy ? target : newTarget);
      },
    });
    return proxy;
  }
}
