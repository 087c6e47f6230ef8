import vm from "node:vm";
import { installLanguagePolyfills } from "./language-polyfills.js";
import { shareInstanceChecks, widenInstanceCheck } from "./realm.js";

export interface WorkerContext {
  readonly context: vm.Context;
  /** The worker's `globalThis`. */
  readonly global: Record<string, unknown>;
}

/**
 * A fresh realm for one load of the worker. `eval`, `new Function` and compiling WebAssembly from bytes are
 * refused, as in the Workers runtime; imported `.wasm` modules still work. No `process`, `require` or
 * `Buffer`: a new context has none of them.
 */
export function createWorkerContext(globals: Record<string, unknown>): WorkerContext {
  const context = vm.createContext(
    {},
    // workerd refuses both: "Code generation from strings disallowed for this context" and "Wasm code
    // generation disallowed by embedder" (V8's own messages). Wasm modules a worker imports are compiled by
    // the host (modules/graph.ts).
    { name: "flarelet worker", codeGeneration: { strings: false, wasm: false } },
  );
  const global = vm.runInContext("globalThis", context) as Record<string, unknown>;
  shareInstanceChecks(global);
  installLanguagePolyfills(context, global);
  const wasm = global.WebAssembly as { Module: object } | undefined;
  const HostModule = (globalThis as unknown as { WebAssembly: { Module: new (...args: never[]) => object } }).WebAssembly.Module;
  if (wasm !== undefined) widenInstanceCheck(wasm.Module, (value) => value instanceof HostModule);
  // workerd's global object is a ServiceWorkerGlobalScope: `String(globalThis)` says so.
  Object.defineProperty(global, Symbol.toStringTag, { value: "ServiceWorkerGlobalScope", configurable: true });
  for (const [name, value] of Object.entries(globals)) {
    // Like the runtime's own globals: writable and configurable, not enumerable.
    Object.defineProperty(global, name, { value, writable: true, configurable: true, enumerable: false });
  }
  return { context, global };
}
