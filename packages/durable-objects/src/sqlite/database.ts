/**
 * One Durable Object's SQLite database: the queries a worker runs through `ctx.storage.sql.exec()`
 * (split into statements, checked as workerd's authorizer would, run as workerd runs them), and the
 * trusted statements flarelet's own storage code runs (the key-value table, the alarm, savepoints).
 */
import type { SqliteConnection, SqliteStatement, SqliteValue } from "./driver.js";
import { toWorkerError } from "./errors.js";
import { refusal } from "./regulator.js";
import { numberParameters, parameterCount, splitStatements, type StatementText } from "./tokens.js";

/** workerd's messages (src/workerd/util/sqlite.c++). */
const NO_STATEMENT = "SQL code did not contain a statement.";
const PARAMETERS_ONLY_LAST =
  "When executing multiple SQL statements in a single call, only the last statement can have parameters.";
const WRONG_PARAMETER_COUNT = "Wrong number of parameter bindings for SQL query.";

/** A running statement: rows come one at a time; counts are kept as workerd's cursor keeps them. */
export class SqlQuery {
  readonly columnNames: readonly string[];
  #statement: SqliteStatement | undefined;
  #rows: Iterator<SqliteValue[]> | undefined;
  /** The next row, read ahead as workerd reads ahead, so a statement that is done is released at once. */
  #next: SqliteValue[] | undefined;
  #rowsRead = 0;
  #rowsWritten = 0;

  constructor(connection: SqliteConnection, statement: SqliteStatement, params: readonly SqliteValue[]) {
    this.columnNames = statement.columnNames;
    this.#statement = statement;
    this.#rows = statement.rows(params);
    // workerd steps a statement once when it is executed: an INSERT is done by the time exec() returns.
    // Changes happen in that first step (even with RETURNING, SQLite writes every row first).
    const changesBefore = connection.totalChanges();
    try {
      this.#advance();
    } finally {
      this.#rowsWritten = connection.totalChanges() - changesBefore;
    }
  }

  /** Rows read so far. workerd counts rows SQLite visited (a patched SQLite); here, rows returned. */
  get rowsRead(): number {
    return this.#rowsRead;
  }

  /** Rows written, counted as SQLite's `total_changes()` counts them. */
  get rowsWritten(): number {
    return this.#rowsWritten;
  }

  get done(): boolean {
    return this.#next === undefined;
  }

  /** The next row, or undefined when there are no more. */
  nextRow(): SqliteValue[] | undefined {
    const row = this.#next;
    if (row !== undefined) this.#advance();
    return row;
  }

  /** Stops the statement early (workerd: `endQuery`). */
  close(): void {
    this.#next = undefined;
    this.#rows = undefined;
    this.#statement?.finalize();
    this.#statement = undefined;
  }

  #advance(): void {
    const result = this.#rows?.next();
    if (result === undefined || result.done === true) {
      this.close();
      return;
    }
    this.#rowsRead++;
    this.#next = result.value;
  }
}

export class StorageDatabase {
  readonly connection: SqliteConnection;
  readonly #trusted = new Map<string, SqliteStatement>();

  constructor(connection: SqliteConnection) {
    this.connection = connection;
  }

  /**
   * `sql.exec(query, ...bindings)`: every statement but the last runs to completion now; the last one is
   * returned running. Errors are workerd's (see errors.ts and regulator.ts).
   */
  exec(sql: string, bindings: readonly SqliteValue[]): SqlQuery {
    const { statements, trailing } = splitStatements(sql);
    if (statements.length === 0) throw new Error(NO_STATEMENT);
    // Where SQLite is handed the rest of the text: after the previous statement and the whitespace after it.
    let restStart = 0;
    for (const [index, text] of statements.entries()) {
      const last = index === statements.length - 1 && !trailing;
      const statement = this.#prepareChecked(text, restStart);
      restStart = text.end + (/^[ \t\n\r\f\v]*/.exec(sql.slice(text.end))?.[0].length ?? 0);
      const count = parameterCount(text.tokens);
      if (!last) {
        try {
          if (count > 0) throw new Error(PARAMETERS_ONLY_LAST);
          new SqlQuery(this.connection, statement, []).close();
        } catch (error) {
          statement.finalize();
          throw toWorkerError(error);
        }
        continue;
      }
      if (count !== bindings.length) {
        statement.finalize();
        throw new Error(WRONG_PARAMETER_COUNT);
      }
      try {
        return new SqlQuery(this.connection, statement, bindings);
      } catch (error) {
        statement.finalize();
        throw toWorkerError(error);
      }
    }
    // Text after the last statement that holds none (a comment): workerd ran every statement, then fails.
    throw new Error(NO_STATEMENT);
  }

  /** Runs a trusted statement to completion and returns its rows. */
  all(sql: string, params: readonly SqliteValue[] = []): SqliteValue[][] {
    let statement = this.#trusted.get(sql);
    if (statement === undefined) {
      statement = this.connection.prepare(sql);
      this.#trusted.set(sql, statement);
    }
    const rows: SqliteValue[][] = [];
    const iterator = statement.rows(params);
    for (let result = iterator.next(); result.done !== true; result = iterator.next()) rows.push(result.value);
    return rows;
  }

  /** Runs trusted SQL (several statements allowed, no parameters). */
  run(sql: string): void {
    this.connection.exec(sql);
  }

  /** The database's size in bytes, as workerd computes `sql.databaseSize` (pages in use × page size). */
  size(): number {
    const [[pages]] = this.all("SELECT (SELECT * FROM pragma_page_count) - (SELECT * FROM pragma_freelist_count)") as [[bigint]];
    const [[pageSize]] = this.all("PRAGMA page_size") as [[bigint]];
    return Number(pages) * Number(pageSize);
  }

  close(): void {
    for (const statement of this.#trusted.values()) statement.finalize();
    this.#trusted.clear();
    this.connection.close();
  }

  #prepareChecked(text: StatementText, restStart: number): SqliteStatement {
    const refused = refusal(text.tokens);
    let statement: SqliteStatement;
    try {
      statement = this.connection.prepare(numberParameters(text));
    } catch (error) {
      // A refused function may not exist in this SQLite build; workerd refuses it before it would run.
      if (refused?.beforePrepare === true) throw new Error(refused.message);
      throw toWorkerError(error, text.tokens, restStart);
    }
    if (refused !== undefined) {
      statement.finalize();
      throw new Error(refused.message);
    }
    return statement;
  }
}
