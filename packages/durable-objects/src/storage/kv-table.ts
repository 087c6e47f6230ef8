/**
 * The key-value API's data, in the object's SQLite database as workerd keeps it: a table `_cf_KV`, made on
 * the first write (until then `SELECT * FROM _cf_KV` is "no such table", as in workerd), which the SQL
 * API may not read (regulator.ts). Keys are stored as their UTF-8 bytes so that SQLite orders them
 * byte-wise, as storage orders them; values are V8-serialized (serialize.ts).
 */
import type { StorageDatabase } from "../sqlite/database.js";
import type { KeyRange } from "./list-options.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class KvTable {
  readonly #db: StorageDatabase;
  #created: boolean;

  constructor(db: StorageDatabase) {
    this.#db = db;
    this.#created = false;
    this.refresh();
  }

  get(key: string): Uint8Array | undefined {
    if (!this.#created) return undefined;
    const [row] = this.#db.all("SELECT value FROM _cf_KV WHERE key = ?", [encoder.encode(key)]);
    return row?.[0] as Uint8Array | undefined;
  }

  put(key: string, value: Uint8Array): void {
    this.#create();
    this.#db.all("INSERT OR REPLACE INTO _cf_KV (key, value) VALUES (?, ?)", [encoder.encode(key), value]);
  }

  /** True if the key existed. */
  delete(key: string): boolean {
    if (!this.#created) return false;
    const [row] = this.#db.all("DELETE FROM _cf_KV WHERE key = ? RETURNING 1", [encoder.encode(key)]);
    return row !== undefined;
  }

  list(range: KeyRange): [string, Uint8Array][] {
    if (!this.#created) return [];
    const params: (Uint8Array | bigint)[] = [range.start];
    let sql = "SELECT key, value FROM _cf_KV WHERE key >= ?";
    if (range.end !== undefined) {
      sql += " AND key < ?";
      params.push(range.end);
    }
    sql += range.reverse ? " ORDER BY key DESC" : " ORDER BY key";
    if (range.limit !== undefined) {
      sql += " LIMIT ?";
      params.push(BigInt(range.limit));
    }
    return this.#db.all(sql, params).map(([key, value]) => [decoder.decode(key as Uint8Array), value as Uint8Array]);
  }

  /** Removes every key; the number removed. */
  deleteAll(): number {
    if (!this.#created) return 0;
    return this.#db.all("DELETE FROM _cf_KV RETURNING 1").length;
  }

  /** Looks again whether the table exists (after a rollback, or after deleteAll emptied the database). */
  refresh(): void {
    this.#created = this.#db.all("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_cf_KV'").length > 0;
  }

  #create(): void {
    if (this.#created) return;
    this.#db.run("CREATE TABLE IF NOT EXISTS _cf_KV (key BLOB PRIMARY KEY, value BLOB) WITHOUT ROWID");
    this.#created = true;
  }
}
