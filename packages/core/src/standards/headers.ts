/**
 * What workerd's `Headers` has beyond Node's, and headers a worker may not change.
 *
 * - `headers.getAll(name)`: workerd's non-standard method, for `Set-Cookie` only (api/http.c++,
 *   Headers::getAll). Node's Headers is one class shared by every worker and the host (core hands the worker
 *   Node's own fetch family), so the method is added to its prototype, as a non-enumerable method.
 * - Immutable headers: workerd's incoming request and a fetch() response have headers that throw "Can't
 *   modify immutable headers." on set/append/delete. undici's guard is private, so such a Headers object
 *   gets own methods that throw; undici's internals never call them.
 */
const IMMUTABLE = "Can't modify immutable headers.";

const kGetAll = Symbol.for("flarelet.headers.getAll");

export function installHeadersGetAll(): void {
  const prototype = Headers.prototype as unknown as Record<PropertyKey, unknown>;
  if (prototype[kGetAll] === true) return;
  Object.defineProperty(prototype, kGetAll, { value: true });
  Object.defineProperty(prototype, "getAll", {
    configurable: true,
    writable: true,
    value: function getAll(this: Headers, name: string): string[] {
      if (String(name).toLowerCase() !== "set-cookie") {
        throw new TypeError('getAll() can only be used with the header name "Set-Cookie".');
      }
      return this.getSetCookie();
    },
  });
}

function refuse(): never {
  throw new TypeError(IMMUTABLE);
}

/** Makes `headers` throw workerd's error on every change. Returns it. */
export function makeImmutable(headers: Headers): Headers {
  for (const name of ["set", "append", "delete"]) {
    Object.defineProperty(headers, name, { value: refuse, writable: false, configurable: true, enumerable: false });
  }
  return headers;
}
