/**
 * JavaScript built-ins workerd's V8 has and Node 20's lacks come from core-js, loaded into the worker's
 * context on first use (src/sandbox/language-polyfills.ts). Issue 10.
 */
import { describe, expect, it } from "vitest";
import { jsonWorker, useCore } from "./helpers.js";

const cores = useCore();

async function inWorker(body: string): Promise<unknown> {
  const mf = cores.create({ modules: true, script: jsonWorker(body) });
  return (await mf.dispatchFetch()).json();
}

describe("language built-ins newer than Node 20's V8", () => {
  it("work inside the worker, as in workerd", async () => {
    expect(await inWorker(`
      const { promise, resolve } = Promise.withResolvers(); resolve(1);
      return [await Promise.try(() => 2), await promise, Error.isError(new TypeError("x")), Error.isError({}),
        Array.from(Uint8Array.fromBase64("aGk=")), new Uint8Array([1, 255]).toHex(), RegExp.escape("a.b"),
        [1, 2, 3].values().map((x) => x * 2).filter((x) => x > 2).toArray(), Iterator.from([1, 2]).toArray(),
        [...new Set([1, 2]).union(new Set([3]))], Object.groupBy([1, 2, 3], (x) => (x % 2 ? "odd" : "even")),
        typeof Symbol.dispose, typeof DisposableStack, typeof SuppressedError, typeof Atomics.pause,
        Math.sumPrecise([1e20, 0.1, -1e20]), "ab\\uD800".isWellFormed(), new ArrayBuffer(4).transfer(8).byteLength];`)).toEqual([
      2, 1, true, false, [104, 105], "01ff", "\\x61\\.b", [4, 6], [1, 2], [1, 2, 3], { odd: [1, 3], even: [2] },
      "symbol", "function", "function", "function", 0.1, false, 8,
    ]);
  });

  it("are loaded only when a worker first uses one, and leave Promise alone", async () => {
    expect(await inWorker(`
      const shared = () => Object.getOwnPropertyNames(globalThis).some((name) => name.includes("core-js"));
      const before = shared();
      const native = Promise;
      Promise.try(() => {});
      return [before, shared(), Promise === native, (async () => {})() instanceof Promise];`)).toEqual([false, true, true, true]);
  });
});
