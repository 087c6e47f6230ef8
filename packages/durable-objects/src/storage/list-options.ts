/**
 * `storage.list(options)` turned into one key range, as workerd does it
 * (src/workerd/api/actor-state.c++, `compileListOptions`). Keys are compared as UTF-8 bytes, as
 * storage orders them: "Z" < "a" < "é" < "😀".
 */
const encoder = new TextEncoder();

export interface ListOptions {
  start?: string;
  startAfter?: string;
  end?: string;
  prefix?: string;
  reverse?: boolean;
  limit?: number;
}

export interface KeyRange {
  /** Inclusive lower bound (UTF-8 bytes). */
  readonly start: Uint8Array;
  /** Exclusive upper bound, if any. */
  readonly end: Uint8Array | undefined;
  readonly reverse: boolean;
  readonly limit: number | undefined;
}

/** The range to list, or undefined when no key can match (workerd then returns an empty Map at once). */
export function compileListOptions(options: ListOptions | undefined): KeyRange | undefined {
  let start: Uint8Array = new Uint8Array(0);
  let end: Uint8Array | undefined;
  let reverse = false;
  let limit: number | undefined;
  if (options !== undefined) {
    if (options.start !== undefined) {
      if (options.startAfter !== undefined) {
        throw new TypeError("list() cannot be called with both start and startAfter values.");
      }
      start = encoder.encode(String(options.start));
    }
    if (options.startAfter !== undefined) {
      // The first key after `startAfter` is `startAfter` + "\0".
      start = concat(encoder.encode(String(options.startAfter)), new Uint8Array([0]));
    }
    if (options.end !== undefined) end = encoder.encode(String(options.end));
    if (options.reverse !== undefined) reverse = Boolean(options.reverse);
    if (options.limit !== undefined) {
      const value = Number(options.limit);
      if (!(value > 0)) throw new TypeError("List limit must be positive.");
      limit = Math.floor(value);
    }
    if (options.prefix !== undefined && options.prefix !== "") {
      const prefix = encoder.encode(String(options.prefix));
      if (compare(start, prefix) < 0) {
        start = prefix;
      } else if (!startsWith(start, prefix)) {
        return undefined;
      }
      const afterPrefix = keyAfterPrefix(prefix);
      if (afterPrefix !== undefined) {
        if (end !== undefined) {
          if (compare(end, prefix) <= 0) return undefined;
          if (!startsWith(end, prefix)) end = afterPrefix;
        } else {
          end = afterPrefix;
        }
      }
    }
  }
  if (end !== undefined && compare(end, start) <= 0) return undefined;
  return { start, end, reverse, limit };
}

/** The first key after every key starting with `prefix`: drop trailing 0xff bytes, add one to the last. */
function keyAfterPrefix(prefix: Uint8Array): Uint8Array | undefined {
  let length = prefix.length;
  while (length > 0 && prefix[length - 1] === 0xff) length--;
  if (length === 0) return undefined;
  const key = prefix.slice(0, length);
  key[length - 1]! += 1;
  return key;
}

export function compare(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return bytes.length >= prefix.length && compare(bytes.subarray(0, prefix.length), prefix) === 0;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
