import vm from "node:vm";
import { installLanguagePolyfills } from "./language-polyfills.js";
import { shareInstanceChecks } from "./realm.js";

export interface WorkerContext {
  readonly context: vm.Context;
  /** The worker's `globalThis`. */
  readonly global: Record<string, unknown>;
}

/**
 * A fresh realm for one load of the worker. `eval` and `new Function` are refused, as in the Workers
 * runtime ("Code generation from strings disallowed for this context"); WebAssembly compilation stays on
 * for `CompiledWasm` modules. No `process`, `require` or `Buffer`: a new context has none of them.
 */
export function createWorkerContext(globals: Record<string, unknown>): WorkerContext {
  const context = vm.createContext(
    {},
    { name: "flarelet worker", codeGeneration: { strings: false, wasm: true } },
  );
  const global = vm.runInContext("globalThis", context) as Record<string, unknown>;
  shareInstanceChecks(global);
  installLanguagePolyfills(context, global);
  // workerd's global object is a ServiceWorkerGlobalScope: `String(globalThis)` says so.
  Object.defineProperty(global, Symbol.toStringTag, { value: "ServiceWorkerGlobalScope", configurable: true });
  for (const [name, value] of Object.entries(globals)) {
    // Like the runtime's own globals: writable and configurable, not enumerable.
    Object.defineProperty(global, name, { value, writable: true, configurable: true, enumerable: false });
  }
  return { context, global };
}
