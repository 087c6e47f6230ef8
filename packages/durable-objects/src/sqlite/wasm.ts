/**
 * `SqliteConnection` over `node-sqlite3-wasm` (SQLite compiled to WebAssembly, files through `node:fs`),
 * for Node versions without `node:sqlite`.
 *
 * Its public API returns rows as objects keyed by column name, which loses duplicate names
 * (`SELECT a, a AS a`), and its errors carry only SQLite's message. So this adapter uses four of its
 * Statement/Database methods that are not documented: `_bind(values)`, `_step()`, `_getRow(columns)` (we pass
 * indices as the column keys to get every column) and `_handleError(code)` (wrapped to keep the result
 * code). The version is pinned exactly in package.json, and test/sqlite.spec.ts fails if they change.
 */
import { rmSync } from "node:fs";
import { SqliteError, type SqliteConnection, type SqliteStatement, type SqliteValue } from "./connection.js";

interface WasmStatement {
  _bind(values: readonly unknown[]): void;
  _step(): boolean;
  _getRow(columns: readonly string[], expand: boolean): Record<string, SqliteValue>;
  _getColumnNames(): string[];
  finalize(): void;
  readonly isFinalized: boolean;
}

interface WasmDatabase {
  prepare(sql: string): WasmStatement;
  exec(sql: string): void;
  get(sql: string): Record<string, unknown> | null;
  close(): void;
  _handleError(code: number): void;
}

export interface WasmSqliteModule {
  Database: new (path: string) => WasmDatabase;
}

export function openWasmSqlite(module: WasmSqliteModule, path: string): SqliteConnection {
  // The library locks a database by making a folder "<file>.lock", which a killed process leaves behind:
  // the next open would find the database locked forever. flarelet opens each file from one process only
  // (the persistence folder is its own), so a lock present before it opens the file is stale. SQLite then
  // rolls back the half-done transaction from its journal, as after any crash.
  if (path !== ":memory:") rmSync(`${path}.lock`, { recursive: true, force: true });
  const db = translating(() => new module.Database(path));
  // Keep SQLite's result code with the error the library throws (it keeps only the message).
  const handleError = db._handleError.bind(db);
  db._handleError = (code: number) => {
    try {
      handleError(code);
    } catch (error) {
      throw new SqliteError((error as Error).message, code & 0xff);
    }
  };
  const open = new Set<WasmStatement>();
  return {
    engine: "node-sqlite3-wasm",
    prepare(sql) {
      const statement = translating(() => db.prepare(sql));
      open.add(statement);
      return wasmStatement(statement, () => open.delete(statement));
    },
    exec: (sql) => translating(() => db.exec(sql)),
    totalChanges: () => Number(db.get("SELECT total_changes() AS n")!.n),
    close() {
      for (const statement of open) {
        try {
          if (!statement.isFinalized) statement.finalize();
        } catch {
          // released all the same
        }
      }
      open.clear();
      db.close();
    },
  };
}

function wasmStatement(statement: WasmStatement, forget: () => void): SqliteStatement {
  const columnNames = statement._getColumnNames();
  const keys = columnNames.map((_, index) => String(index));
  return {
    columnNames,
    rows(params) {
      translating(() => statement._bind(params));
      let done = false;
      return {
        next: () => {
          if (done) return { done: true, value: undefined };
          const hasRow = translating(() => statement._step());
          if (!hasRow || columnNames.length === 0) {
            done = true;
            return { done: true, value: undefined };
          }
          const row = statement._getRow(keys, false);
          return { done: false, value: keys.map((key) => row[key] ?? null) };
        },
      };
    },
    finalize() {
      // sqlite3_finalize repeats the last step's error (a constraint failure already reported): ignore it.
      try {
        if (!statement.isFinalized) statement.finalize();
      } catch {
        // released all the same
      }
      forget();
    },
  };
}

function translating<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof SqliteError) throw error;
    if ((error as Error).name === "SQLite3Error") throw new SqliteError((error as Error).message, 1);
    throw error;
  }
}
