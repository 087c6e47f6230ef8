/**
 * `ctx.storage.kv`: the synchronous key-value API of SQLite-backed objects (workerd's
 * src/workerd/api/sync-kv.c++), on the same `_cf_KV` table as the asynchronous API.
 */
import { compileListOptions, type ListOptions } from "./list-options.js";
import type { ObjectStore } from "./object-store.js";
import { deserialize, serialize } from "./serialize.js";

export class SyncKvStorage {
  readonly #store: ObjectStore;

  constructor(store: ObjectStore) {
    this.#store = store;
  }

  get(key: string): unknown {
    const value = this.#store.kv.get(String(key));
    return value === undefined ? undefined : deserialize(value);
  }

  put(key: string, value: unknown): void {
    if (value === undefined) throw new TypeError("put() called with undefined value.");
    this.#store.kv.put(String(key), serialize(value));
  }

  delete(key: string): boolean {
    return this.#store.kv.delete(String(key));
  }

  /** An iterator of `[key, value]` pairs, in key order. */
  list(options?: ListOptions): IterableIterator<[string, unknown]> {
    const range = compileListOptions(options);
    const entries = range === undefined ? [] : this.#store.kv.list(range);
    return entries.map(([key, value]): [string, unknown] => [key, deserialize(value)])[Symbol.iterator]();
  }
}
