/**
 * One Durable Object's storage: its SQLite database and the tables flarelet keeps in it (the key-value
 * API's `_cf_KV`, the alarm's `_cf_ALARM`). It outlives the object's instances: reloads drop instances,
 * never stores (store-pool.ts).
 */
import { StorageDatabase } from "../sqlite/database.js";
import type { SqliteConnection } from "../sqlite/driver.js";
import { AlarmStore } from "./alarm-store.js";
import { KvTable } from "./kv-table.js";

export type StorageBackend = "kv" | "sqlite";

export class ObjectStore {
  readonly db: StorageDatabase;
  readonly kv: KvTable;
  readonly alarm: AlarmStore;
  /** "sqlite" for classes in `new_sqlite_classes` (SQL API, synchronous KV, transactionSync). */
  readonly backend: StorageBackend;
  #savepoints = 0;

  constructor(connection: SqliteConnection, backend: StorageBackend) {
    this.db = new StorageDatabase(connection);
    this.kv = new KvTable(this.db);
    this.alarm = new AlarmStore(this.db);
    this.backend = backend;
  }

  /**
   * Opens a savepoint (workerd's `_cf_savepoint_N`); `commit` releases it, `rollback` undoes everything
   * written since. Savepoints nest.
   */
  savepoint(): { commit(): void; rollback(): void } {
    const name = `_cf_savepoint_${this.#savepoints++}`;
    this.db.run(`SAVEPOINT ${name}`);
    let open = true;
    const end = (sql: string) => {
      if (!open) return;
      open = false;
      this.#savepoints--;
      this.db.run(sql);
    };
    return {
      commit: () => end(`RELEASE ${name}`),
      rollback: () => {
        end(`ROLLBACK TO ${name}; RELEASE ${name}`);
        this.kv.refresh();
        this.alarm.refresh();
      },
    };
  }

  /** Runs `write` atomically: every statement it runs lands, or none does. */
  atomically<T>(write: () => T): T {
    const savepoint = this.savepoint();
    try {
      const result = write();
      savepoint.commit();
      return result;
    } catch (error) {
      savepoint.rollback();
      throw error;
    }
  }

  /**
   * `deleteAll()`: a key-value object loses its keys; a SQLite-backed one its whole database (workerd
   * resets the file), tables included. The alarm goes too when `deleteAlarm` (compatibility flag
   * `delete_all_deletes_alarm`, on from 2026-02-24). Returns the number of keys deleted.
   */
  deleteAll(deleteAlarm: boolean): number {
    const alarm = this.alarm.get();
    let deleted: number;
    if (this.backend === "kv") {
      deleted = this.kv.deleteAll();
    } else {
      deleted = this.kv.list({ start: new Uint8Array(0), end: undefined, reverse: false, limit: undefined }).length;
      this.#dropEverything();
    }
    this.kv.refresh();
    this.alarm.refresh();
    if (deleteAlarm) this.alarm.set(undefined);
    else if (alarm !== undefined && this.alarm.get() === undefined) this.alarm.set(alarm);
    return deleted;
  }

  close(): void {
    this.db.close();
  }

  #dropEverything(): void {
    const objects = this.db.all(
      "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND type IN ('table', 'view', 'trigger')",
    ) as [string, string][];
    // Views and triggers first, then tables; foreign keys must not stop a drop.
    const order = { trigger: 0, view: 1, table: 2 } as Record<string, number>;
    objects.sort((a, b) => order[a[0]]! - order[b[0]]!);
    this.db.run("PRAGMA foreign_keys = OFF");
    try {
      for (const [type, name] of objects) this.db.run(`DROP ${type.toUpperCase()} IF EXISTS "${name.replaceAll('"', '""')}"`);
    } finally {
      this.db.run("PRAGMA foreign_keys = ON");
    }
  }
}
