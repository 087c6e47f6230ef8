/**
 * `SqliteConnection` over Node's own `node:sqlite` (Node 22.13+). Only the parts of its API flarelet uses
 * are typed here: @types/node for Node 20 does not describe the module.
 */
import { SqliteError, type SqliteConnection, type SqliteStatement, type SqliteValue } from "./connection.js";

interface StatementSync {
  columns(): { name: string }[];
  setReadBigInts(enabled: boolean): void;
  setReturnArrays(enabled: boolean): void;
  iterate(...params: SqliteValue[]): Iterator<SqliteValue[]>;
  get(...params: SqliteValue[]): unknown;
}

interface DatabaseSync {
  prepare(sql: string): StatementSync;
  exec(sql: string): void;
  close(): void;
}

export interface NodeSqliteModule {
  DatabaseSync: new (path: string) => DatabaseSync;
}

export function openNodeSqlite(module: NodeSqliteModule, path: string): SqliteConnection {
  const db = translating(() => new module.DatabaseSync(path));
  let totalChanges: StatementSync | undefined;
  return {
    engine: "node:sqlite",
    prepare(sql) {
      const statement = translating(() => db.prepare(sql));
      statement.setReadBigInts(true);
      const columnNames = statement.columns().map((column) => column.name);
      if (columnNames.length > 0) statement.setReturnArrays(true);
      return nodeStatement(statement, columnNames);
    },
    exec: (sql) => translating(() => db.exec(sql)),
    totalChanges() {
      totalChanges ??= db.prepare("SELECT total_changes() AS n");
      return Number((totalChanges.get() as { n: number }).n);
    },
    close: () => db.close(),
  };
}

function nodeStatement(statement: StatementSync, columnNames: readonly string[]): SqliteStatement {
  return {
    columnNames,
    rows(params) {
      const iterator = translating(() => statement.iterate(...params));
      return {
        next: () => {
          const result = translating(() => iterator.next());
          // A statement without result columns yields nothing: its work is done by the first step.
          return columnNames.length === 0 ? { done: true, value: undefined } : result;
        },
      };
    },
    finalize() {},
  };
}

/** node:sqlite reports `{ code: "ERR_SQLITE_ERROR", errcode }` with SQLite's own message. */
function translating<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    const errcode = (error as { errcode?: unknown }).errcode;
    if ((error as { code?: unknown }).code === "ERR_SQLITE_ERROR" && typeof errcode === "number") {
      // errcode is the extended result code; its low byte is the primary code.
      throw new SqliteError((error as Error).message, errcode & 0xff);
    }
    throw error;
  }
}
