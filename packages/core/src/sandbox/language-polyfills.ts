/**
 * JavaScript built-ins that workerd's V8 has and Node 20's lacks (`Promise.try`, `Error.isError`,
 * `Uint8Array.fromBase64`, `RegExp.escape`, `Math.sumPrecise`, Iterator helpers, Set methods,
 * `DisposableStack`…; the list was measured with the conformance harness). They come from core-js, a
 * well-kept polyfill library, bundled by scripts/bundle-language-polyfills.mjs into generated/.
 *
 * Running core-js costs about 9 ms per load, so it runs only when a worker first touches one of these
 * features: each missing one is first an accessor ("trap") that removes every trap, runs core-js in the
 * worker's context, and then answers with the real value. On a Node whose V8 has a feature (22, 24), no
 * trap is set for it and core-js leaves it alone.
 *
 * Not polyfilled (listed in docs/departures.md): `Float16Array` (core-js has no typed-array polyfill) and
 * `Intl.DurationFormat`. `Atomics.pause` is a hint to the CPU; here it is a function that does nothing.
 */
import vm from "node:vm";
import { LANGUAGE_POLYFILLS } from "./generated/language-polyfills.js";

/** Where each feature lives (an expression evaluated in the worker's context) and its names there. */
const FEATURES: readonly (readonly [owner: string, names: readonly (string | symbol)[]])[] = [
  ["globalThis", ["Iterator", "DisposableStack", "AsyncDisposableStack", "SuppressedError"]],
  ["Promise", ["try", "withResolvers"]],
  ["Error", ["isError"]],
  ["Uint8Array", ["fromBase64", "fromHex"]],
  ["Uint8Array.prototype", ["toBase64", "toHex", "setFromBase64", "setFromHex"]],
  ["RegExp", ["escape"]],
  ["Math", ["sumPrecise", "f16round"]],
  ["DataView.prototype", ["getFloat16", "setFloat16"]],
  ["Array", ["fromAsync"]],
  ["Object", ["groupBy"]],
  ["Map", ["groupBy"]],
  ["Set.prototype", ["union", "intersection", "difference", "symmetricDifference", "isSubsetOf", "isSupersetOf", "isDisjointFrom"]],
  ["Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()))", ["map", "filter", "take", "drop", "flatMap", "reduce", "toArray", "forEach", "some", "every", "find"]],
  ["ArrayBuffer.prototype", ["transfer", "transferToFixedLength", "detached"]],
  ["String.prototype", ["isWellFormed", "toWellFormed"]],
  ["JSON", ["rawJSON", "isRawJSON"]],
  ["Symbol", ["dispose", "asyncDispose"]],
];

let compiled: vm.Script | undefined;

/** Sets the traps in a fresh worker context (whose global is `global`). */
export function installLanguagePolyfills(context: vm.Context, global: Record<string, unknown>): void {
  const traps: { owner: object; name: string | symbol }[] = [];
  let loaded = false;
  const load = () => {
    if (loaded) return;
    loaded = true;
    for (const { owner, name } of traps) delete (owner as Record<string | symbol, unknown>)[name];
    compiled ??= new vm.Script(LANGUAGE_POLYFILLS, { filename: "flarelet:core-js-polyfills.js" });
    compiled.runInContext(context);
  };
  for (const [path, names] of FEATURES) {
    const owner = (path === "globalThis" ? global : vm.runInContext(path, context)) as object;
    for (const name of names) {
      if (name in owner) continue;
      traps.push({ owner, name });
      Object.defineProperty(owner, name, {
        configurable: true,
        enumerable: false,
        get(this: unknown) {
          load();
          return Reflect.get(owner, name, this);
        },
        set(this: unknown, value: unknown) {
          load();
          Reflect.set(owner, name, value, this);
        },
      });
    }
  }
  const atomics = global.Atomics as Record<string, unknown> | undefined;
  if (atomics !== undefined && !("pause" in atomics)) {
    Object.defineProperty(atomics, "pause", { configurable: true, writable: true, value: function pause(): void {} });
  }
}
