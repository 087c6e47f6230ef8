/**
 * What the storage layer sees of SQLite, whichever engine runs it (driver.ts chooses): one statement at a
 * time, rows as arrays, integers as BigInt, blobs as Uint8Array, errors as `SqliteError`. A file of its own
 * so that the engines (node-sqlite.ts, wasm.ts) and the driver that loads them do not import each other.
 */
export type SqliteValue = null | bigint | number | string | Uint8Array;

export interface SqliteStatement {
  /** The result columns' names in order, duplicates kept; empty for a statement that returns no rows. */
  readonly columnNames: readonly string[];
  /** Binds `params` and runs the statement lazily: each `next()` steps once. */
  rows(params: readonly SqliteValue[]): Iterator<SqliteValue[]>;
  /** Releases the statement (WebAssembly memory is not garbage-collected). */
  finalize(): void;
}

export interface SqliteConnection {
  readonly engine: "node:sqlite" | "node-sqlite3-wasm";
  /** Prepares exactly one statement. */
  prepare(sql: string): SqliteStatement;
  /** Runs trusted SQL (set-up, savepoints), discarding results. */
  exec(sql: string): void;
  /** Rows changed by INSERT/UPDATE/DELETE since the connection opened (SQLite's `total_changes()`). */
  totalChanges(): number;
  close(): void;
}

/** An error SQLite reported, with its primary result code (https://www.sqlite.org/rescode.html). */
export class SqliteError extends Error {
  readonly code: number;
  constructor(message: string, code: number) {
    super(message);
    this.name = "SqliteError";
    this.code = code;
  }
}

