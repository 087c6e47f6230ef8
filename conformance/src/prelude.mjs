/**
 * The helpers every generated worker starts with, as source text: the same text runs on both runtimes, so
 * whatever they observe is turned into JSON the same way. Case code may call `describe`, `errorOf`,
 * `rejectionOf`, `attempt`, `tag` and `bytes` (see the README); `__conformance` is the harness's own.
 *
 * JSON cannot hold every JavaScript value, so `serialize` tags the others as objects with a "$" key:
 * `{ $: "undefined" }`, `{ $: "number", v: "NaN" }`, `{ $: "error", class, name, message }`,
 * `{ $: "bytes", class: "Uint8Array", hex }`, `{ $: "object", class }` for instances of other classes
 * (a case returns the fields it wants to compare, not whole objects), `{ $: "function", name }`.
 */
export const PRELUDE = String.raw`
const __conformance = (() => {
  const className = (value) => {
    try {
      const constructor = Object.getPrototypeOf(value)?.constructor;
      return typeof constructor === "function" ? constructor.name : null;
    } catch {
      return null;
    }
  };
  const isError = (value) =>
    value instanceof Error ||
    (typeof value === "object" && value !== null && typeof value.name === "string" &&
      typeof value.message === "string" && "stack" in value);
  const describeError = (error) => {
    if (!isError(error)) return { $: "thrown", value: serialize(error) };
    return { $: "error", class: className(error), name: String(error.name), message: String(error.message) };
  };
  const hex = (view) => Array.from(view, (byte) => byte.toString(16).padStart(2, "0")).join("");
  const serialize = (value, depth = 0, seen = new Set()) => {
    switch (typeof value) {
      case "undefined": return { $: "undefined" };
      case "bigint": return { $: "bigint", v: String(value) };
      case "symbol": return { $: "symbol", v: String(value.description) };
      case "function": return { $: "function", name: value.name };
      case "number":
        if (Number.isNaN(value) || !Number.isFinite(value) || Object.is(value, -0)) return { $: "number", v: Object.is(value, -0) ? "-0" : String(value) };
        return value;
      case "string": case "boolean": return value;
    }
    if (value === null) return null;
    if (seen.has(value)) return { $: "circular" };
    if (depth > 8) return { $: "deep" };
    if (isError(value)) return describeError(value);
    if (value instanceof ArrayBuffer) return { $: "bytes", class: "ArrayBuffer", hex: hex(new Uint8Array(value)) };
    if (ArrayBuffer.isView(value)) return { $: "bytes", class: className(value), hex: hex(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)) };
    seen.add(value);
    try {
      if (Array.isArray(value)) return value.map((item) => serialize(item, depth + 1, seen));
      const prototype = Object.getPrototypeOf(value);
      if (prototype !== null && prototype !== Object.prototype && className(value) !== "Object") {
        return { $: "object", class: className(value) };
      }
      const out = {};
      for (const key of Object.keys(value)) out[key] = serialize(value[key], depth + 1, seen);
      return out;
    } finally {
      seen.delete(value);
    }
  };
  /** Runs fn at module top level; a promise it returns is followed, so that fetch() can report its outcome. */
  const atTopLevel = (fn) => {
    const slot = {};
    try {
      const value = fn();
      if (value !== null && typeof value === "object" && typeof value.then === "function") {
        slot.outcome = { pending: true };
        value.then((v) => { slot.outcome = { value: v }; }, (e) => { slot.outcome = { threw: e }; });
      } else {
        slot.outcome = { value };
      }
    } catch (error) {
      slot.outcome = { threw: error };
    }
    return slot;
  };
  const respond = (outcome) => {
    const body = JSON.stringify(serialize(outcome));
    return new Response(body, { headers: { "content-type": "application/json" } });
  };
  return { serialize, describeError, atTopLevel, respond, className };
})();
/** typeof and class of a value: what kind of thing it is, without its contents. */
const describe = (value) => ({ type: typeof value, class: value === null || value === undefined ? null : __conformance.className(value) });
/** The error fn() throws ({ class, name, message }), or "no error". */
const errorOf = (fn) => { try { fn(); return "no error"; } catch (error) { return __conformance.describeError(error); } };
/** The error the promise fn() returns rejects with, or "no error" (a synchronous throw counts too). */
const rejectionOf = async (fn) => { try { await fn(); return "no error"; } catch (error) { return __conformance.describeError(error); } };
/** { value } or { threw: error }: both outcomes of (await) fn(). */
const attempt = async (fn) => { try { return { value: await fn() }; } catch (error) { return { threw: __conformance.describeError(error) }; } };
/** Object.prototype.toString of a value: "[object Foo]". */
const tag = (value) => Object.prototype.toString.call(value);
/** The bytes of an ArrayBuffer or view, as an array of numbers. */
const bytes = (value) => Array.from(value instanceof ArrayBuffer ? new Uint8Array(value) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
`;
