/**
 * `ctx.storage`: the key-value API (operations.ts), `deleteAll`, transactions, `sync`, and for classes in
 * `new_sqlite_classes` the SQL API (`ctx.storage.sql`) and the synchronous key-value API (`ctx.storage.kv`).
 */
import { StorageOperations, type StorageEnvironment } from "./operations.js";
import { SqlStorage } from "./sql.js";
import { SyncKvStorage } from "./sync-kv.js";
import { DurableObjectTransaction } from "./transaction.js";

/** workerd's messages for a key-value object (local workerd's wording: src/workerd/api/actor-state.c++). */
const SQL_NOT_ENABLED =
  "SQL is not enabled for this Durable Object class. To enable it, change `new_classes` to `new_sqlite_classes` " +
  "within the 'migrations' field in your wrangler.jsonc or wrangler.toml file. If using workerd directly,set " +
  "`enableSql = true` in your workerd config for the class. Note that this change cannot be made after the class " +
  "is already deployed to production.";
const SYNC_KV_NOT_ENABLED =
  "The storage.kv (synchronous KV) API is only available for SQLite-backed Durable Objects, but this object's " +
  "namespace is not declared to use SQLite. You can use the older, asyncronous interface via methods of `storage` " +
  "itself (e.g. `storage.get()`). Alternatively, to enable SQLite, change `new_classes` to `new_sqlite_classes` " +
  "within the 'migrations' field in your wrangler.jsonc or wrangler.toml file. If using workerd directly, set " +
  "`enableSql = true` in your workerd config for the class. Note that this change cannot be made after the class " +
  "is already deployed to production.";
const NOT_BACKED_BY_SQL = "Durable Object is not backed by SQL.";

/** The worker realm's constructors, for what the SQL API returns (rows, raw rows, blobs). */
export interface DurableObjectStorageRealm {
  readonly ArrayBuffer: ArrayBufferConstructor;
  readonly Object: ObjectConstructor;
  readonly Array: ArrayConstructor;
}

export class DurableObjectStorage extends StorageOperations {
  readonly #realm: DurableObjectStorageRealm;
  #sql: SqlStorage | undefined;
  #kv: SyncKvStorage | undefined;

  constructor(env: StorageEnvironment, realm: DurableObjectStorageRealm) {
    super(env);
    this.#realm = realm;
  }

  /** The SQL API; it works only for classes in `new_sqlite_classes` (elsewhere its methods throw, as in workerd). */
  get sql(): SqlStorage {
    const { store } = this.env;
    this.#sql ??= new SqlStorage(store.db, this.#realm, () => {
      if (store.backend !== "sqlite") throw new Error(SQL_NOT_ENABLED);
    });
    return this.#sql;
  }

  /** The synchronous key-value API; only for classes in `new_sqlite_classes`. */
  get kv(): SyncKvStorage {
    if (this.env.store.backend !== "sqlite") throw new Error(SYNC_KV_NOT_ENABLED);
    this.#kv ??= new SyncKvStorage(this.env.store);
    return this.#kv;
  }

  deleteAll(_options?: object): Promise<void> {
    try {
      const { store } = this.env;
      const hadAlarm = store.alarm.get() !== undefined;
      store.deleteAll(this.env.deleteAllDeletesAlarm);
      if (hadAlarm && store.alarm.get() === undefined) this.env.alarmChanged(undefined);
      return this.env.gate.hold(() => undefined);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Runs `closure(txn)` with no other event delivered meanwhile (workerd runs it inside
   * `blockConcurrencyWhile`), in a savepoint committed when it resolves, rolled back when it rejects.
   */
  transaction<T>(closure: (txn: DurableObjectTransaction) => T | Promise<T>, _options?: object): Promise<Awaited<T>> {
    const { store, gate } = this.env;
    return gate.hold(async () => {
      const savepoint = store.savepoint();
      const txn = new DurableObjectTransaction(this.env, () => savepoint.rollback());
      try {
        const result = await closure(txn);
        if (!txn.rolledBack) savepoint.commit();
        return result;
      } catch (error) {
        if (!txn.rolledBack) savepoint.rollback();
        throw error;
      } finally {
        txn.end();
      }
    });
  }

  /** Runs `closure()` synchronously in a savepoint: committed if it returns, rolled back if it throws. */
  transactionSync<T>(closure: () => T): T {
    const { store } = this.env;
    if (store.backend !== "sqlite") throw new Error(NOT_BACKED_BY_SQL);
    return store.atomically(closure);
  }

  /** Resolves when earlier writes are durable: flarelet writes each operation through at once. */
  sync(): Promise<void> {
    return this.env.gate.hold(() => undefined);
  }

  protected check(): void {}
}
