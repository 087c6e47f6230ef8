import { describe, expect, it } from "vitest";
import { makeStorage } from "./helpers.js";

describe.each(["kv", "sqlite"] as const)("DurableObjectStorage (%s backend)", (backend) => {
  it("get/put/delete single keys, with structured-clone values", async () => {
    const { storage } = makeStorage(backend);
    expect(await storage.get("missing")).toBeUndefined();
    const value = { date: new Date(5), map: new Map([[1, "one"]]), bytes: new Uint8Array([1, 2]), nested: [1, { a: null }] };
    await storage.put("k", value);
    expect(await storage.get("k")).toEqual(value);
    expect(await storage.delete("k")).toBe(true);
    expect(await storage.delete("k")).toBe(false);
    expect(await storage.get("k")).toBeUndefined();
  });

  it("batch get/put/delete: a Map of the keys found, in key order; undefined entries skipped", async () => {
    const { storage } = makeStorage(backend);
    await storage.put({ b: 2, a: 1, c: 3, skipped: undefined });
    const got = (await storage.get(["c", "a", "nope"])) as Map<string, unknown>;
    expect([...got]).toEqual([["a", 1], ["c", 3]]);
    expect(await storage.get("skipped")).toBeUndefined();
    expect(await storage.delete(["a", "b", "nope"])).toBe(2);
    expect([...(await storage.list())]).toEqual([["c", 3]]);
  });

  it("put(): workerd's TypeErrors", async () => {
    const { storage } = makeStorage(backend);
    await expect(storage.put("k", undefined)).rejects.toThrow(new TypeError("put() called with undefined value."));
    await expect(storage.put({ a: 1 }, 5 as never)).rejects.toThrow(
      new TypeError(
        "put() may only be called with a single key-value pair and optional options as put(key, value, options) or with multiple key-value pairs and optional options as put(entries, options)",
      ),
    );
    await expect(storage.put("f", () => 1)).rejects.toMatchObject({ name: "DataCloneError" });
  });

  it("list(): ordered by UTF-8 bytes, with start, startAfter, end, prefix, reverse and limit", async () => {
    const { storage } = makeStorage(backend);
    // UTF-16 order would put "\u{1F600}" (a surrogate pair, 0xD83D…) before "\uFF21"; UTF-8 order puts it after.
    const keys = ["a", "ab", "abc", "b", "B", "é", "\uFF21", "\u{1F600}"];
    for (const key of keys) await storage.put(key, key);
    const list = async (options?: object) => [...(await storage.list(options as never)).keys()];
    expect(await list()).toEqual(["B", "a", "ab", "abc", "b", "é", "\uFF21", "\u{1F600}"]);
    expect(await list({ start: "ab" })).toEqual(["ab", "abc", "b", "é", "\uFF21", "\u{1F600}"]);
    expect(await list({ startAfter: "ab" })).toEqual(["abc", "b", "é", "\uFF21", "\u{1F600}"]);
    expect(await list({ end: "ab" })).toEqual(["B", "a"]);
    expect(await list({ prefix: "a" })).toEqual(["a", "ab", "abc"]);
    expect(await list({ prefix: "a", start: "ab", end: "abc" })).toEqual(["ab"]);
    expect(await list({ prefix: "a", end: "zzz" })).toEqual(["a", "ab", "abc"]);
    expect(await list({ prefix: "b", start: "c" })).toEqual([]);
    expect(await list({ reverse: true, limit: 2 })).toEqual(["\u{1F600}", "\uFF21"]);
    expect(await list({ start: "b", end: "a" })).toEqual([]);
    await expect(storage.list({ start: "a", startAfter: "b" })).rejects.toThrow(
      new TypeError("list() cannot be called with both start and startAfter values."),
    );
    await expect(storage.list({ limit: 0 })).rejects.toThrow(new TypeError("List limit must be positive."));
  });

  it("deleteAll() empties storage; in a transaction it throws workerd's Error", async () => {
    const { storage } = makeStorage(backend);
    await storage.put({ a: 1, b: 2 });
    await storage.deleteAll();
    expect((await storage.list()).size).toBe(0);
    await expect(storage.transaction(async (txn) => txn.deleteAll())).rejects.toThrow(
      new Error("Cannot call deleteAll() within a transaction"),
    );
  });

  it("transaction(): commits on return, rolls back on throw and on txn.rollback()", async () => {
    const { storage } = makeStorage(backend);
    await storage.put("n", 1);
    expect(await storage.transaction(async (txn) => {
      await txn.put("n", 2);
      return (await txn.get("n")) as number;
    })).toBe(2);
    await expect(storage.transaction(async (txn) => {
      await txn.put("n", 3);
      await txn.put("other", 1);
      throw new Error("boom");
    })).rejects.toThrow("boom");
    expect(await storage.get("n")).toBe(2);
    expect(await storage.get("other")).toBeUndefined();
    let leaked: { get(key: string): Promise<unknown> } | undefined;
    await storage.transaction(async (txn) => {
      await txn.put("n", 4);
      txn.rollback();
      txn.rollback(); // twice is fine
      await expect(txn.get("n")).rejects.toThrow(new Error("Cannot get() on rolled back transaction"));
      leaked = txn;
    });
    expect(await storage.get("n")).toBe(2);
    await expect(leaked!.get("n")).rejects.toThrow(new Error("Cannot get() on rolled back transaction"));
    let committed: { put(key: string, value: unknown): Promise<void> } | undefined;
    await storage.transaction(async (txn) => {
      committed = txn;
    });
    await expect(committed!.put("n", 5)).rejects.toThrow(
      new Error("Cannot call put() on transaction that has already committed: did you move `txn` outside of the closure?"),
    );
  });

  it("alarms: get/set/delete, workerd's TypeError for a time <= 0, past times moved to now", async () => {
    const { storage, alarms } = makeStorage(backend);
    expect(await storage.getAlarm()).toBeNull();
    const at = Date.now() + 60_000;
    await storage.setAlarm(at);
    expect(await storage.getAlarm()).toBe(at);
    await storage.setAlarm(new Date(at + 1));
    expect(await storage.getAlarm()).toBe(at + 1);
    const before = Date.now();
    await storage.setAlarm(1);
    expect(await storage.getAlarm()).toBeGreaterThanOrEqual(before);
    await storage.deleteAlarm();
    expect(await storage.getAlarm()).toBeNull();
    await expect(storage.setAlarm(0)).rejects.toThrow(new TypeError("setAlarm() cannot be called with an alarm time <= 0"));
    expect(alarms.length).toBe(4);
    expect(alarms.at(-1)).toBeUndefined();
  });

  it("setAlarm() without an alarm() handler: workerd's TypeError", async () => {
    const { storage } = makeStorage(backend, { alarmHandler: false });
    await expect(storage.setAlarm(Date.now() + 1000)).rejects.toThrow(
      new TypeError("Your Durable Object class must have an alarm() handler in order to call setAlarm()"),
    );
  });

  it("sync() resolves", async () => {
    const { storage } = makeStorage(backend);
    await storage.put("a", 1);
    await expect(storage.sync()).resolves.toBeUndefined();
  });
});

describe("DurableObjectStorage limits on the key-value backend (production's, workerd's messages)", () => {
  it("keys over 2 KiB (UTF-8 bytes) are RangeErrors", async () => {
    const { storage } = makeStorage("kv");
    await storage.put("k".repeat(2048), 1);
    await expect(storage.put("k".repeat(2049), 1)).rejects.toThrow(
      new RangeError("Keys cannot be larger than 2048 bytes. A key of size 2049 was provided."),
    );
    await expect(storage.get("é".repeat(1025))).rejects.toThrow(
      new RangeError("Keys cannot be larger than 2048 bytes. A key of size 2050 was provided."),
    );
    await expect(storage.delete(["k".repeat(3000)])).rejects.toThrow(RangeError);
  });

  it("values over 128 KiB serialized are RangeErrors", async () => {
    const { storage } = makeStorage("kv");
    await storage.put("fits", new Uint8Array(128 * 1024));
    await expect(storage.put("big", "x".repeat(140_000))).rejects.toThrow(
      /^Values cannot be larger than 131072 bytes\. A value of size 1400\d\d was provided\.$/,
    );
    await expect(storage.put({ a: 1, big: "x".repeat(140_000) })).rejects.toThrow(RangeError);
    expect(await storage.get("a")).toBeUndefined();
  });

  it("more than 128 keys in one call is a RangeError", async () => {
    const { storage } = makeStorage("kv");
    const keys = Array.from({ length: 129 }, (_, i) => `k${i}`);
    const message = "Maximum number of key value pairs is 128. 129 pairs were provided.";
    await expect(storage.get(keys)).rejects.toThrow(new RangeError(message));
    await expect(storage.put(Object.fromEntries(keys.map((key) => [key, 1])))).rejects.toThrow(new RangeError(message));
    await expect(storage.delete(keys)).rejects.toThrow(new RangeError(message));
    await expect(storage.get(keys.slice(1))).resolves.toBeInstanceOf(Map);
  });

  it("SQLite-backed objects have no such limits", async () => {
    const { storage } = makeStorage("sqlite");
    await storage.put("k".repeat(3000), "x".repeat(200_000));
    expect(await storage.get("k".repeat(3000))).toHaveLength(200_000);
  });
});

describe("DurableObjectStorage SQL-only parts", () => {
  it("a key-value object has no sql, kv or transactionSync: workerd's errors", () => {
    const { storage } = makeStorage("kv");
    expect(() => storage.sql.exec("SELECT 1")).toThrow(/^SQL is not enabled for this Durable Object class\. To enable it, change `new_classes` to `new_sqlite_classes`/);
    expect(() => storage.kv).toThrow(/^The storage\.kv \(synchronous KV\) API is only available for SQLite-backed Durable Objects/);
    expect(() => storage.transactionSync(() => 1)).toThrow(new Error("Durable Object is not backed by SQL."));
  });

  it("transactionSync() commits on return and rolls back on throw, SQL and key-value alike", () => {
    const { storage } = makeStorage("sqlite");
    storage.sql.exec("CREATE TABLE t (v)");
    expect(storage.transactionSync(() => {
      storage.sql.exec("INSERT INTO t VALUES (1)");
      return "ok";
    })).toBe("ok");
    expect(() => storage.transactionSync(() => {
      storage.sql.exec("INSERT INTO t VALUES (2)");
      storage.kv.put("k", 1);
      throw new Error("undo");
    })).toThrow("undo");
    expect(storage.sql.exec("SELECT v FROM t").toArray()).toEqual([{ v: 1 }]);
    expect(storage.kv.get("k")).toBeUndefined();
  });

  it("the synchronous kv API shares its data with the asynchronous one", async () => {
    const { storage } = makeStorage("sqlite");
    storage.kv.put("b", 2);
    await storage.put("a", 1);
    expect(storage.kv.get("a")).toBe(1);
    expect([...storage.kv.list()]).toEqual([["a", 1], ["b", 2]]);
    expect([...storage.kv.list({ prefix: "b" })]).toEqual([["b", 2]]);
    expect(storage.kv.delete("a")).toBe(true);
    expect(await storage.get("a")).toBeUndefined();
  });

  it("deleteAll() on a SQLite-backed object drops its tables too", async () => {
    const { storage } = makeStorage("sqlite");
    storage.sql.exec("CREATE TABLE t (v); INSERT INTO t VALUES (1)");
    await storage.put("k", 1);
    await storage.deleteAll();
    expect(() => storage.sql.exec("SELECT * FROM t")).toThrow(new Error("no such table: t: SQLITE_ERROR"));
    expect(await storage.get("k")).toBeUndefined();
  });
});
