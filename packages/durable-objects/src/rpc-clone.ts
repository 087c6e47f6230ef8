/**
 * How values cross an RPC call between a worker and a Durable Object: copied as workerd's serializer copies
 * them (structured clone: primitives, plain objects and arrays, Date, RegExp, Map, Set, ArrayBuffer and
 * views, errors), into the worker's realm. What workerd passes by reference is passed by reference here,
 * since both ends live in one process: functions (workerd sends a stub, calling which returns a promise, as
 * here), `RpcTarget` instances, and `Request`, `Response`, `Headers`, `ReadableStream`, `WritableStream`,
 * `Blob` (which workerd streams or copies; handing the object over is the approximation). An instance of
 * any other class is workerd's DataCloneError.
 */
import { RpcTarget } from "@flarelet/core";
import { types } from "node:util";

/** The constructors of the realm the copy is made in (the worker's). */
export interface CloneRealm {
  readonly Object: ObjectConstructor;
  readonly Array: ArrayConstructor;
  readonly Map: MapConstructor;
  readonly Set: SetConstructor;
  readonly Date: DateConstructor;
  readonly RegExp: RegExpConstructor;
  readonly Error: ErrorConstructor;
  readonly [name: string]: unknown;
}

const BY_REFERENCE = ["Request", "Response", "Headers", "ReadableStream", "WritableStream", "Blob", "File", "FormData"];
const ERROR_CLASSES = new Set(["Error", "EvalError", "RangeError", "ReferenceError", "SyntaxError", "TypeError", "URIError"]);

function dataCloneError(message: string): DOMException {
  return new DOMException(message, "DataCloneError");
}

export function rpcClone(value: unknown, realm: CloneRealm, seen = new Map<object, unknown>(), enhanced = true): unknown {
  if (typeof value === "symbol") throw dataCloneError(`${String(value)} could not be cloned.`);
  if (typeof value === "function") return remoteFunction(value as (...args: unknown[]) => unknown, realm, enhanced);
  if (typeof value !== "object" || value === null) return value;
  const known = seen.get(value);
  if (known !== undefined) return known;
  if (value instanceof RpcTarget) return value;
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  const constructorName = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name;
  if (constructorName !== undefined && BY_REFERENCE.includes(constructorName)) return value;
  if (types.isDate(value)) return remember(seen, value, new realm.Date((value as Date).getTime()));
  if (types.isRegExp(value)) return remember(seen, value, new realm.RegExp((value as RegExp).source, (value as RegExp).flags));
  if (types.isArrayBuffer(value) || types.isAnyArrayBuffer(value) || types.isArrayBufferView(value) || types.isNativeError(value)) {
    return remember(seen, value, structuredClone(value));
  }
  if (types.isMap(value)) {
    const copy = new realm.Map();
    seen.set(value, copy);
    for (const [key, entry] of value as Map<unknown, unknown>) copy.set(rpcClone(key, realm, seen), rpcClone(entry, realm, seen));
    return copy;
  }
  if (types.isSet(value)) {
    const copy = new realm.Set();
    seen.set(value, copy);
    for (const entry of value as Set<unknown>) copy.add(rpcClone(entry, realm, seen));
    return copy;
  }
  if (Array.isArray(value)) {
    const copy = new realm.Array(value.length);
    seen.set(value, copy);
    for (const [index, entry] of value.entries()) copy[index] = rpcClone(entry, realm, seen);
    return copy;
  }
  if (tag === "Object" && isPlainObject(value)) {
    const copy = new realm.Object() as Record<string, unknown>;
    seen.set(value, copy);
    for (const [key, entry] of Object.entries(value)) copy[key] = rpcClone(entry, realm, seen);
    return copy;
  }
  throw dataCloneError(`Could not serialize object of type "${constructorName ?? tag}". This type does not support serialization.`);
}

function remember<T>(seen: Map<object, unknown>, original: object, copy: T): T {
  seen.set(original, copy);
  return copy;
}

/** A plain object of any realm: its prototype is an `Object.prototype`, or null. */
function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as object | null;
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}

/** A function passed over RPC: calling it runs the original with copied arguments and answers a promise. */
function remoteFunction(fn: (...args: unknown[]) => unknown, realm: CloneRealm, enhanced: boolean): (...args: unknown[]) => Promise<unknown> {
  return async (...args: unknown[]) => {
    const copied = args.map((arg) => rpcClone(arg, realm));
    try {
      return rpcClone(await fn(...copied), realm);
    } catch (error) {
      throw remoteError(error, realm, enhanced);
    }
  };
}

/**
 * An error thrown on the far side of an RPC call, as the caller sees it in workerd: the same class for the
 * standard error types, otherwise an `Error`, with `remote: true`. From 2026-04-21
 * (`enhanced_error_serialization`) it keeps its `name` and own properties; before, a non-standard name is
 * prefixed to the message ("MyError: mine"). Anything thrown that is not an error is `Error(String(value))`.
 */
export function remoteError(error: unknown, realm: CloneRealm, enhanced: boolean): unknown {
  if (error instanceof DOMException) {
    Object.defineProperty(error, "remote", { value: true, enumerable: true, configurable: true, writable: true });
    return error;
  }
  let result: Error & Record<string, unknown>;
  if (types.isNativeError(error)) {
    const { name, message } = error as Error;
    const className = (Object.getPrototypeOf(error) as { constructor?: { name?: string } } | null)?.constructor?.name ?? "Error";
    const Class = (ERROR_CLASSES.has(className) ? realm[className] : realm.Error) as ErrorConstructor;
    if (enhanced) {
      result = new Class(message) as Error & Record<string, unknown>;
      for (const [key, value] of Object.entries(error)) {
        try {
          result[key] = rpcClone(value, realm);
        } catch {
          // A property that cannot be copied is left out.
        }
      }
      if (result.name !== name) result.name = name;
    } else {
      result = new Class(name === Class.name ? message : `${name}: ${message}`) as Error & Record<string, unknown>;
    }
  } else {
    result = new realm.Error(String(error)) as Error & Record<string, unknown>;
  }
  result.remote = true;
  return result;
}
