/**
 * The key-value and alarm operations that `ctx.storage` and a transaction's `txn` share (workerd's
 * `DurableObjectStorageOperations`), each one validated as workerd validates it, run against the object's
 * SQLite database at once, and answered through a promise that holds the input gate (gate.ts).
 */
import type { InputGate } from "../gate.js";
import { checkMaxKeySize, checkMaxPairsCount, checkMaxValueSize } from "./limits.js";
import { compileListOptions, compare, type ListOptions } from "./list-options.js";
import type { ObjectStore } from "./object-store.js";
import { deserialize, serialize } from "./serialize.js";

const encoder = new TextEncoder();

/** What the storage of one object needs from the object around it. */
export interface StorageEnvironment {
  readonly store: ObjectStore;
  readonly gate: InputGate;
  /** `delete_all_deletes_alarm` (2026-02-24). */
  readonly deleteAllDeletesAlarm: boolean;
  /** Throws workerd's TypeError if the object's class has no `alarm()` handler. */
  assertCanSetAlarm(): void;
  /** Called after the stored alarm time changed, to (re)schedule it. */
  alarmChanged(time: number | undefined): void;
}

export const PUT_SIGNATURE_MESSAGE =
  "put() may only be called with a single key-value pair and optional options as put(key, value, options) or " +
  "with multiple key-value pairs and optional options as put(entries, options)";

export abstract class StorageOperations {
  protected readonly env: StorageEnvironment;

  constructor(env: StorageEnvironment) {
    this.env = env;
  }

  /** Checked before every operation: a transaction refuses operations once rolled back or over. */
  protected abstract check(op: string): void;

  get(keys: string | string[], _options?: object): Promise<unknown> {
    return this.#run("get()", () => {
      const { store } = this.env;
      if (!Array.isArray(keys)) {
        const key = String(keys);
        this.#checkKey(key);
        const value = store.kv.get(key);
        return value === undefined ? undefined : deserialize(value);
      }
      const names = keys.map(String);
      if (store.backend === "kv") checkMaxPairsCount(names.length);
      for (const key of names) this.#checkKey(key);
      const found: [string, Uint8Array][] = [];
      for (const key of new Set(names)) {
        const value = store.kv.get(key);
        if (value !== undefined) found.push([key, value]);
      }
      found.sort(([a], [b]) => compare(encoder.encode(a), encoder.encode(b)));
      return new Map(found.map(([key, value]) => [key, deserialize(value)]));
    });
  }

  list(options?: ListOptions): Promise<Map<string, unknown>> {
    return this.#run("list()", () => {
      const range = compileListOptions(options);
      if (range === undefined) return new Map();
      return new Map(this.env.store.kv.list(range).map(([key, value]) => [key, deserialize(value)]));
    });
  }

  put(keyOrEntries: string | Record<string, unknown>, value?: unknown, options?: object): Promise<void> {
    return this.#run("put()", () => {
      const { store } = this.env;
      if (typeof keyOrEntries !== "object" || keyOrEntries === null) {
        const key = String(keyOrEntries);
        if (value === undefined) throw new TypeError("put() called with undefined value.");
        this.#checkKey(key);
        const bytes = serialize(value);
        if (store.backend === "kv") checkMaxValueSize(bytes.byteLength);
        store.kv.put(key, bytes);
        return;
      }
      if (value !== undefined && (typeof value !== "object" || value === null)) throw new TypeError(PUT_SIGNATURE_MESSAGE);
      void options;
      // Fields whose value is undefined are skipped, as in workerd.
      const entries = Object.entries(keyOrEntries).filter(([, entry]) => entry !== undefined);
      if (store.backend === "kv") checkMaxPairsCount(entries.length);
      const serialized = entries.map(([key, entry]) => [key, serialize(entry)] as const);
      for (const [key, bytes] of serialized) {
        this.#checkKey(key);
        if (store.backend === "kv") checkMaxValueSize(bytes.byteLength);
      }
      store.atomically(() => {
        for (const [key, bytes] of serialized) store.kv.put(key, bytes);
      });
    });
  }

  delete(keys: string | string[], _options?: object): Promise<boolean | number> {
    return this.#run("delete()", () => {
      const { store } = this.env;
      if (!Array.isArray(keys)) {
        const key = String(keys);
        this.#checkKey(key);
        return store.kv.delete(key);
      }
      const names = keys.map(String);
      if (store.backend === "kv") checkMaxPairsCount(names.length);
      for (const key of names) this.#checkKey(key);
      return store.atomically(() => [...new Set(names)].filter((key) => store.kv.delete(key)).length);
    });
  }

  getAlarm(_options?: object): Promise<number | null> {
    return this.#run("getAlarm()", () => this.env.store.alarm.get() ?? null);
  }

  setAlarm(scheduledTime: number | Date, _options?: object): Promise<void> {
    const time = scheduledTime instanceof Date ? scheduledTime.getTime() : Number(scheduledTime);
    if (!(time > 0)) {
      return Promise.reject(new TypeError("setAlarm() cannot be called with an alarm time <= 0"));
    }
    return this.#run("setAlarm()", () => {
      this.env.assertCanSetAlarm();
      // workerd moves a time in the past to now (actor-state.c++, setAlarm).
      const at = Math.max(Math.floor(time), Date.now());
      this.env.store.alarm.set(at);
      this.env.alarmChanged(at);
    });
  }

  deleteAlarm(_options?: object): Promise<void> {
    return this.#run("deleteAlarm()", () => {
      this.env.store.alarm.set(undefined);
      this.env.alarmChanged(undefined);
    });
  }

  /** Runs `operation` now; the answer comes through a promise that holds the input gate until it is used. */
  #run<T>(op: string, operation: () => T): Promise<T> {
    try {
      this.check(op);
      const result = operation();
      return this.env.gate.hold(() => result);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Keys are limited to 2 KiB on the key-value backend only (limits.ts). */
  #checkKey(key: string): void {
    if (this.env.store.backend === "kv") checkMaxKeySize(encoder.encode(key).byteLength);
  }
}
