/**
 * Where an object's alarm time is kept: in its own database, so that it survives reloads and, when
 * persisted, restarts (workerd keeps it in the object's SQLite metadata too). Milliseconds since the epoch.
 */
import type { StorageDatabase } from "../sqlite/database.js";

export class AlarmStore {
  readonly #db: StorageDatabase;
  #created = false;

  constructor(db: StorageDatabase) {
    this.#db = db;
  }

  get(): number | undefined {
    if (!this.#exists()) return undefined;
    const [row] = this.#db.all("SELECT time FROM _cf_ALARM WHERE id = 1");
    return row === undefined ? undefined : Number(row[0]);
  }

  set(time: number | undefined): void {
    if (time === undefined) {
      if (this.#exists()) this.#db.all("DELETE FROM _cf_ALARM WHERE id = 1");
      return;
    }
    if (!this.#exists()) {
      this.#db.run("CREATE TABLE IF NOT EXISTS _cf_ALARM (id INTEGER PRIMARY KEY CHECK (id = 1), time INTEGER NOT NULL)");
      this.#created = true;
    }
    this.#db.all("INSERT OR REPLACE INTO _cf_ALARM (id, time) VALUES (1, ?)", [BigInt(Math.floor(time))]);
  }

  /** Looks again whether the table exists (after a rollback or a reset of the database). */
  refresh(): void {
    this.#created = false;
  }

  #exists(): boolean {
    if (this.#created) return true;
    this.#created = this.#db.all("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_cf_ALARM'").length > 0;
    return this.#created;
  }
}
