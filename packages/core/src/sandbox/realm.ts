import { types } from "node:util";

/**
 * The worker runs in its own `node:vm` context, a separate realm with its own `Object`, `Array`,
 * `ArrayBuffer`… Values made by the host (the body of a `Request`, a `TextEncoder` result, `JSON` from
 * `response.json()`) are instances of the *host's* intrinsics, so by default `value instanceof ArrayBuffer`
 * is false inside the worker although the value is an ArrayBuffer. The real runtime has a single realm, so
 * such checks must hold.
 *
 * We give each of the context's constructors a `Symbol.hasInstance` that also accepts the host's instances:
 * the usual prototype-chain check first, then the host constructor's. Subclasses the worker defines
 * (`class MyError extends Error`) inherit this static method, so it only widens the check when called on
 * the intrinsic itself (`this === own`); for a subclass it stays the ordinary check.
 */
const CONSTRUCTORS = [
  "Object",
  "Function",
  "Array",
  "Promise",
  "RegExp",
  "Date",
  "Map",
  "Set",
  "WeakMap",
  "WeakSet",
  "WeakRef",
  "Error",
  "EvalError",
  "RangeError",
  "ReferenceError",
  "SyntaxError",
  "TypeError",
  "URIError",
  "AggregateError",
  "ArrayBuffer",
  "SharedArrayBuffer",
  "DataView",
  "Int8Array",
  "Uint8Array",
  "Uint8ClampedArray",
  "Int16Array",
  "Uint16Array",
  "Int32Array",
  "Uint32Array",
  "Float32Array",
  "Float64Array",
  "BigInt64Array",
  "BigUint64Array",
] as const;

/**
 * `Object` is special: every object is an `instanceof Object` in its own realm unless its prototype chain
 * ends in null, and the host's objects end in the host's `Object.prototype`.
 */
function isHostObject(value: unknown, hostObjectPrototype: object): boolean {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return false;
  return Object.prototype.isPrototypeOf.call(hostObjectPrototype, value);
}

/** Makes `instanceof` checks inside `contextGlobal`'s realm accept the host's instances too. */
export function shareInstanceChecks(contextGlobal: Record<string, unknown>): void {
  const host = globalThis as unknown as Record<string, unknown>;
  const contextFunction = contextGlobal.Function as FunctionConstructor;
  const ordinaryHasInstance = contextFunction.prototype[Symbol.hasInstance] as (
    this: unknown,
    value: unknown,
  ) => boolean;

  for (const name of CONSTRUCTORS) {
    const own = contextGlobal[name] as object | undefined;
    const hostConstructor = host[name] as { prototype: object } | undefined;
    if (own === undefined || hostConstructor === undefined) continue;
    const widened =
      name === "Object"
        ? (value: unknown) => isHostObject(value, hostConstructor.prototype)
        : name === "Promise"
          ? // A host promise may come from any realm's subclass; util.types knows a promise when it sees one.
            (value: unknown) => types.isPromise(value)
          : (value: unknown) => ordinaryHasInstance.call(hostConstructor, value);
    widenInstanceCheck(own, widened, ordinaryHasInstance);
  }
}

/**
 * Makes `value instanceof own` also true when `widened(value)` is, for `own` itself only: a subclass
 * inherits this static method but keeps the ordinary prototype-chain check. `ordinary` is that check, from
 * the realm `own` lives in.
 */
export function widenInstanceCheck(
  own: object,
  widened: (value: unknown) => boolean,
  ordinary: (this: unknown, value: unknown) => boolean = Function.prototype[Symbol.hasInstance],
): void {
  Object.defineProperty(own, Symbol.hasInstance, {
    configurable: true,
    writable: false,
    enumerable: false,
    value: function hasInstance(this: unknown, value: unknown): boolean {
      if (ordinary.call(this, value)) return true;
      return this === own && widened(value);
    },
  });
}
