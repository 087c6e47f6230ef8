/**
 * The Workers globals, installed into the test's own realm (vitest's, where the worker's code runs: see
 * README "Where worker code runs"), and taken out again when the test file ends.
 *
 * Which globals: whatever the test file's flarelet worker has that a fresh `node:vm` context lacks, i.e. what
 * core and the plugins contribute (`Request`, `Response`, `fetch`, `WebSocketPair`, `WebSocket`, `navigator`,
 * …), so that a plugin's new global reaches tests with no change here. Left out on purpose:
 *
 * - the names core makes per load (timers, `queueMicrotask`, the abort classes, the global listeners): the
 *   test realm keeps Node's, so that `vi.useFakeTimers()` reaches worker code (workerd's timers return numbers,
 *   Node's return Timeout objects that convert to numbers; README "Differences");
 * - `performance`: vitest times tests with the realm's own, and core's is only wall-clock milliseconds anyway;
 * - values the realm already has (`console`, `crypto`, `URL`, the streams: core hands workers the host's own).
 */
import vm from "node:vm";

/** Globals of a load that the test realm keeps its own of (see above). */
const KEEP_OWN = new Set([
  "setTimeout",
  "clearTimeout",
  "setInterval",
  "clearInterval",
  "queueMicrotask",
  "scheduler",
  "addEventListener",
  "removeEventListener",
  "AbortController",
  "AbortSignal",
  "self",
  "performance",
]);

let intrinsicNames: Set<string> | undefined;

/** What every `node:vm` context has before anyone adds to it: the language's own globals. */
function intrinsics(): Set<string> {
  intrinsicNames ??= new Set(Object.getOwnPropertyNames(vm.runInNewContext("globalThis")));
  return intrinsicNames;
}

/** The globals a worker's scope adds over the language's own, except those in `KEEP_OWN` and `exclude`. */
export function contributedGlobals(workerScope: Record<string, unknown>, exclude: readonly string[] = []): Map<string, unknown> {
  const skip = intrinsics();
  const globals = new Map<string, unknown>();
  for (const name of Object.getOwnPropertyNames(workerScope)) {
    if (skip.has(name) || KEEP_OWN.has(name) || exclude.includes(name)) continue;
    globals.set(name, workerScope[name]);
  }
  return globals;
}

/**
 * Defines `globals` on `target` as the runtime defines its own (writable, configurable, not enumerable) and
 * returns a function that puts back exactly what was there before. A value the realm already has is left as
 * it is.
 */
export function installGlobals(target: object, globals: ReadonlyMap<string, unknown>): () => void {
  const previous = new Map<string, PropertyDescriptor | undefined>();
  for (const [name, value] of globals) {
    if (Reflect.get(target, name) === value) continue;
    previous.set(name, Object.getOwnPropertyDescriptor(target, name));
    Object.defineProperty(target, name, { value, writable: true, configurable: true, enumerable: false });
  }
  return () => {
    for (const [name, descriptor] of previous) {
      if (descriptor === undefined) Reflect.deleteProperty(target, name);
      else Object.defineProperty(target, name, descriptor);
    }
    previous.clear();
  };
}
