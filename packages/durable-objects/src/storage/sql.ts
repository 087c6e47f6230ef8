/**
 * `ctx.storage.sql`: `exec(query, ...bindings)` and its cursor, with workerd's semantics and messages
 * (src/workerd/api/sql.c++): integers come back as numbers, blobs as ArrayBuffers, bindings are strings,
 * numbers, ArrayBuffers or views, or null; a boolean binds as its string, as in workerd.
 */
import type { SqlQuery, StorageDatabase } from "../sqlite/database.js";
import type { SqliteValue } from "../sqlite/driver.js";
import type { DurableObjectStorageRealm } from "./storage.js";

export type SqlStorageValue = ArrayBuffer | string | number | null;

/** workerd's cursor iterators: iterable, with `toArray()` (an iterator helper, present on every Node here). */
export interface SqlStorageIterator<T> extends IterableIterator<T> {
  toArray(): T[];
}

/** The iterator prototype of this realm: with iterator helpers (`toArray()`, `map()`…) where Node has them. */
const IteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())) as object;

export class SqlStorage {
  readonly #db: StorageDatabase;
  readonly #realm: DurableObjectStorageRealm;
  readonly #assertEnabled: () => void;

  /** `assertEnabled` throws workerd's error for an object that is not SQLite-backed. */
  constructor(db: StorageDatabase, realm: DurableObjectStorageRealm, assertEnabled: () => void = () => {}) {
    this.#db = db;
    this.#realm = realm;
    this.#assertEnabled = assertEnabled;
  }

  exec(query: string, ...bindings: unknown[]): SqlStorageCursor {
    this.#assertEnabled();
    const values = bindings.map(toBinding);
    return new SqlStorageCursor(this.#db.exec(String(query), values), this.#realm);
  }

  /** Bytes the database uses. */
  get databaseSize(): number {
    this.#assertEnabled();
    return this.#db.size();
  }
}

export class SqlStorageCursor {
  readonly #query: SqlQuery;
  readonly #realm: DurableObjectStorageRealm;
  readonly #columnNames: string[];

  constructor(query: SqlQuery, realm: DurableObjectStorageRealm) {
    this.#query = query;
    this.#realm = realm;
    this.#columnNames = [...query.columnNames];
  }

  get columnNames(): string[] {
    return [...this.#columnNames];
  }

  get rowsRead(): number {
    return this.#query.rowsRead;
  }

  get rowsWritten(): number {
    return this.#query.rowsWritten;
  }

  next(): { done: false; value: Record<string, SqlStorageValue> } | { done: true; value?: undefined } {
    const row = this.#nextObject();
    return row === undefined ? { done: true } : { done: false, value: row };
  }

  toArray(): Record<string, SqlStorageValue>[] {
    const rows: Record<string, SqlStorageValue>[] = [];
    for (let row = this.#nextObject(); row !== undefined; row = this.#nextObject()) rows.push(row);
    return rows;
  }

  one(): Record<string, SqlStorageValue> {
    const row = this.#nextObject();
    if (row === undefined) throw new Error("Expected exactly one result from SQL query, but got no results.");
    if (!this.#query.done) {
      this.#query.close();
      throw new Error("Expected exactly one result from SQL query, but got multiple results.");
    }
    return row;
  }

  /** The rows as arrays of values (columns with the same name kept apart). */
  raw(): SqlStorageIterator<SqlStorageValue[]> {
    return makeIterator("RawIterator", () => this.#nextRaw());
  }

  [Symbol.iterator](): SqlStorageIterator<Record<string, SqlStorageValue>> {
    return makeIterator("RowIterator", () => this.#nextObject());
  }

  #nextRaw(): SqlStorageValue[] | undefined {
    const row = this.#query.nextRow();
    if (row === undefined) return undefined;
    const values = new this.#realm.Array(row.length) as SqlStorageValue[];
    for (const [index, value] of row.entries()) values[index] = fromSqlite(value, this.#realm);
    return values;
  }

  /** A row as an object; a later column of the same name wins, as in workerd. */
  #nextObject(): Record<string, SqlStorageValue> | undefined {
    const values = this.#nextRaw();
    if (values === undefined) return undefined;
    const row = new this.#realm.Object() as Record<string, SqlStorageValue>;
    for (const [index, name] of this.#columnNames.entries()) row[name] = values[index]!;
    return row;
  }
}

function makeIterator<T>(tag: string, next: () => T | undefined): SqlStorageIterator<T> {
  const iterator = Object.create(IteratorPrototype) as SqlStorageIterator<T>;
  Object.defineProperties(iterator, {
    next: { value: () => {
      const value = next();
      return value === undefined ? { done: true, value: undefined } : { done: false, value };
    }, writable: true, configurable: true },
    [Symbol.iterator]: { value: () => iterator, writable: true, configurable: true },
    [Symbol.toStringTag]: { value: tag, configurable: true },
  });
  // Node 20 has no iterator helpers; workerd's iterators have `toArray()`, which workers use most.
  if (typeof (iterator as { toArray?: unknown }).toArray !== "function") {
    Object.defineProperty(iterator, "toArray", { value: () => [...iterator], writable: true, configurable: true });
  }
  return iterator;
}

/** A value read from SQLite, as workerd hands it to JavaScript (sql.c++, `iteratorImpl`). */
function fromSqlite(value: SqliteValue, realm: DurableObjectStorageRealm): SqlStorageValue {
  if (typeof value === "bigint") return Number(value);
  if (value instanceof Uint8Array) {
    const buffer = new realm.ArrayBuffer(value.byteLength);
    new Uint8Array(buffer).set(value);
    return buffer;
  }
  return value;
}

/** A binding as workerd converts it: bytes, string, number (a double) or null; anything else as a string. */
function toBinding(value: unknown): SqliteValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return value;
  if (typeof value === "bigint") throw new TypeError("Cannot convert a BigInt value to a number");
  if (value instanceof ArrayBuffer || Object.prototype.toString.call(value) === "[object ArrayBuffer]") {
    return new Uint8Array(value as ArrayBuffer).slice();
  }
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice();
  return String(value);
}
