/**
 * Unhandled promise rejections from worker code.
 *
 * In the Workers runtime a promise that the worker rejects and never handles is reported (the devtools
 * console prints "Uncaught (in promise) …") and the worker keeps serving. In Node the same rejection reaches
 * `process`'s 'unhandledRejection', whose default (`--unhandled-rejections=throw`) ends the process: one
 * floating `Promise.reject()` in a worker would take down the embedder's script, dev server or test run.
 *
 * So while a worker is loaded, core listens to 'unhandledRejection' and takes the rejections that belong to
 * a worker: the promise was made in a worker's realm (every async function, `new Promise`, `.then` in worker
 * code) or the reason was (worker code that threw inside a host promise's callback). Those go to that
 * worker's reporter. Every other rejection is the host's own, and stays Node's business: since a listener's
 * mere presence turns Node's default off, when ours is the only listener we carry the default out ourselves
 * (`actAsNodeWould`).
 *
 * The state is shared through a global symbol, so two copies of core in one process (two installed
 * versions) keep one listener and one registry, and neither mistakes the other's workers for the host.
 */
import { inspect } from "node:util";

/** Told about each rejection that belongs to its worker. */
export type RejectionReporter = (reason: unknown, promise: Promise<unknown>) => void;

interface SharedState {
  /** A worker realm's `Object.prototype` → its reporter. Weak: a disposed load's realm may be collected. */
  readonly reporters: WeakMap<object, RejectionReporter>;
  /** Reasons flarelet made for a worker (see `attributeReason`) → that worker's reporter. */
  readonly attributed: WeakMap<object, RejectionReporter>;
  /** Loads not yet disposed; the process listener is installed while this is above zero. */
  live: number;
  /** Whether the process listener is installed (it is removed a moment after `live` reaches zero). */
  installed: boolean;
  readonly listener: (reason: unknown, promise: Promise<unknown>) => void;
}

const STATE_KEY = Symbol.for("flarelet.core.unhandled-rejections.v1");

function sharedState(): SharedState {
  const holder = globalThis as { [STATE_KEY]?: SharedState };
  holder[STATE_KEY] ??= {
    reporters: new WeakMap(),
    attributed: new WeakMap(),
    live: 0,
    installed: false,
    listener: (reason, promise) => onUnhandledRejection(holder[STATE_KEY]!, reason, promise),
  };
  return holder[STATE_KEY];
}

/**
 * Registers a worker realm (its global) so that its unhandled rejections go to `report` instead of ending
 * the process. Returns the function that ends the registration's hold on the process listener; the realm
 * stays known afterwards, so a disposed load's late rejection is still recognised while another load lives.
 */
export function watchRejections(realmGlobal: Record<string, unknown>, report: RejectionReporter): () => void {
  const state = sharedState();
  state.reporters.set(realmKey(realmGlobal), report);
  return holdListener(state);
}

/**
 * A realm's key in `reporters`: its `Object.prototype`, where every prototype chain of the realm ends
 * (`realmOf`), the global's own included. Not `realmGlobal.Object.prototype`: a `globals` option may put the
 * host's `Object` on a worker's global (@flarelet/vitest does, so that plugins make values of the test's
 * realm), and the worker's realm would then claim every rejection of the host's.
 */
function realmKey(realmGlobal: Record<string, unknown>): object {
  return realmOf(realmGlobal) ?? (realmGlobal.Object as ObjectConstructor).prototype;
}

/**
 * Makes `reason`, an error flarelet itself made while serving a worker (its request body discarded, its
 * response cancelled because the client left), count as that worker's when it rejects a promise nobody
 * handles. Such promises are often the host's (`request.text()`, a `pipeTo()` the worker left floating), and
 * without this the rejection would look like the embedder's own and end the process. The realm of `realmGlobal`
 * names the worker; its registration must be live (a worker not yet disposed).
 */
export function attributeReason(reason: object, realmGlobal: Record<string, unknown>): void {
  const state = sharedState();
  const report = state.reporters.get(realmKey(realmGlobal));
  if (report !== undefined) state.attributed.set(reason, report);
}

function holdListener(state: SharedState): () => void {
  state.live++;
  if (!state.installed) {
    state.installed = true;
    process.on("unhandledRejection", state.listener);
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--state.live === 0) removeListenerSoon(state);
  };
}

/**
 * Node reports the rejections of a tick only once that tick's microtasks have run, and a worker's last
 * rejection is often made in the same tick that disposes it (`dispatchFetch`, then `dispose()`): so the
 * listener stays until the next turn of the event loop, when those reports have been made. Unref'd: it does
 * not keep the process alive, and a process that exits has made its reports already.
 */
function removeListenerSoon(state: SharedState): void {
  setImmediate(() => {
    if (state.live > 0 || !state.installed) return;
    state.installed = false;
    process.off("unhandledRejection", state.listener);
  }).unref();
}

/**
 * Wraps a host function that returns promises (the worker's `fetch`) so that its promises are the worker
 * realm's. An un-awaited `fetch()` that fails is then recognisably the worker's rejection, not the host's;
 * it costs one microtask per call. `name` and `length` stay the original's.
 */
export function returningRealmPromises(
  hostFunction: (...args: unknown[]) => unknown,
  realmGlobal: Record<string, unknown>,
): (...args: unknown[]) => unknown {
  const RealmPromise = realmGlobal.Promise as PromiseConstructor;
  const wrapped = function (this: unknown, ...args: unknown[]) {
    return RealmPromise.resolve(Reflect.apply(hostFunction, this, args));
  };
  Object.defineProperty(wrapped, "name", { value: hostFunction.name });
  Object.defineProperty(wrapped, "length", { value: hostFunction.length });
  return wrapped;
}

/** Whether a rejection belongs to a worker (the flarelet CLI uses this not to log it a second time). */
export function isWorkerRejection(reason: unknown, promise: Promise<unknown>): boolean {
  return reporterFor(sharedState(), reason, promise) !== undefined;
}

function onUnhandledRejection(state: SharedState, reason: unknown, promise: Promise<unknown>): void {
  const report = reporterFor(state, reason, promise);
  if (report !== undefined) {
    try {
      report(reason, promise);
    } catch (error) {
      // A reporter that throws (a custom Log's write failing) must not become an uncaught exception.
      process.emitWarning(`flarelet could not report a worker's unhandled rejection: ${inspect(error)}`);
    }
    return;
  }
  if (process.listenerCount("unhandledRejection") === 1) actAsNodeWould(reason);
}

function reporterFor(state: SharedState, reason: unknown, promise: Promise<unknown>): RejectionReporter | undefined {
  return (
    state.reporters.get(realmOf(promise) as object) ??
    state.reporters.get(realmOf(reason) as object) ??
    (typeof reason === "object" && reason !== null ? state.attributed.get(reason) : undefined)
  );
}

/** The `Object.prototype` that ends `value`'s prototype chain: which realm made it. */
function realmOf(value: unknown): object | undefined {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return undefined;
  try {
    let current: object = value;
    // Bounded: a prototype chain is short, and a Proxy's trap could otherwise keep us here.
    for (let depth = 0; depth < 64; depth++) {
      const next = Reflect.getPrototypeOf(current);
      if (next === null) return current;
      current = next;
    }
  } catch {
    // A revoked Proxy or a throwing getPrototypeOf trap: not a value we can place.
  }
  return undefined;
}

/**
 * Node's handling of an unhandled rejection when no listener exists (lib/internal/process/promises.js), for
 * the host's own rejections once our listener has turned that handling off. `strict`, `warn` and `none`
 * need nothing from us: Node raises (strict) or warns (warn) whether or not a listener exists.
 */
function actAsNodeWould(reason: unknown): void {
  const mode = unhandledRejectionsMode();
  if (mode === "throw") {
    const error = isErrorLike(reason) ? reason : unhandledPromiseRejection(reason);
    // On the next tick, not here: a throw from this listener would stop Node's loop over this batch of
    // rejections, and the rest of the batch would go unreported.
    process.nextTick(() => {
      throw error;
    });
  } else if (mode === "warn-with-error-code") {
    // Node's two warnings (its second one also numbers the rejection, which only Node knows).
    const type = "UnhandledPromiseRejectionWarning";
    process.emitWarning(isErrorLike(reason) ? String((reason as Error).stack) : inspect(reason), type);
    process.emitWarning(
      "Unhandled promise rejection. This error originated either by throwing inside of an async function without " +
        "a catch block, or by rejecting a promise which was not handled with .catch(). To terminate the node " +
        "process on unhandled promise rejection, use the CLI flag `--unhandled-rejections=strict` (see " +
        "https://nodejs.org/api/cli.html#cli_unhandled_rejections_mode).",
      type,
    );
    process.exitCode = 1;
  }
}

/** `--unhandled-rejections` as Node reads it: NODE_OPTIONS first, then the command line, the last one wins. */
function unhandledRejectionsMode(): string {
  const flags = [...(process.env.NODE_OPTIONS ?? "").split(/\s+/), ...process.execArgv];
  let mode = "throw";
  for (let index = 0; index < flags.length; index++) {
    const flag = flags[index]!;
    if (flag.startsWith("--unhandled-rejections=")) mode = flag.slice("--unhandled-rejections=".length);
    else if (flag === "--unhandled-rejections" && index + 1 < flags.length) mode = flags[++index]!;
  }
  return mode;
}

/** Node's test: an object with its own `stack` is thrown as it is. */
function isErrorLike(value: unknown): boolean {
  return typeof value === "object" && value !== null && Object.prototype.hasOwnProperty.call(value, "stack");
}

/** The error Node throws for a rejection whose reason is not an error, with Node's message and code. */
function unhandledPromiseRejection(reason: unknown): Error {
  const error = new Error(
    "This error originated either by throwing inside of an async function without a catch block, or by " +
      "rejecting a promise which was not handled with .catch(). The promise rejected with the reason " +
      `"${inspect(reason)}".`,
  );
  error.name = "UnhandledPromiseRejection";
  return Object.assign(error, { code: "ERR_UNHANDLED_REJECTION" });
}
