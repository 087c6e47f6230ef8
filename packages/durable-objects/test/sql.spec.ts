// The SQL API's cursor and messages, pinned to what workerd (Miniflare 4) answers for the same calls.
import { describe, expect, it } from "vitest";
import { TRANSACTION_MESSAGE } from "../src/sqlite/regulator.js";
import { makeStorage } from "./helpers.js";

function sql() {
  return makeStorage("sqlite").storage.sql;
}

describe("SqlStorage#exec", () => {
  it("runs every statement and returns the last one's cursor", () => {
    const db = sql();
    const cursor = db.exec("CREATE TABLE t (a, b); INSERT INTO t VALUES (1, 'x'), (2, 'y'); SELECT a, b, a AS b FROM t");
    expect(cursor.columnNames).toEqual(["a", "b", "b"]);
    expect(cursor.raw().toArray()).toEqual([[1, "x", 1], [2, "y", 2]]);
    expect(cursor.rowsRead).toBe(2);
    expect(cursor.rowsWritten).toBe(0);
  });

  it("toArray(): objects, a later column of the same name wins", () => {
    const db = sql();
    db.exec("CREATE TABLE t (a, b); INSERT INTO t VALUES (1, 'x'), (2, 'y')");
    expect(db.exec("SELECT a, b, a AS b FROM t").toArray()).toEqual([{ a: 1, b: 1 }, { a: 2, b: 2 }]);
  });

  it("writes happen at exec(), counted in rowsWritten", () => {
    const db = sql();
    db.exec("CREATE TABLE t (a)");
    const cursor = db.exec("INSERT INTO t VALUES (3)");
    expect([cursor.rowsRead, cursor.rowsWritten]).toEqual([0, 1]);
    expect(cursor.toArray()).toEqual([]);
    expect(cursor.columnNames).toEqual([]);
    expect(db.exec("SELECT count(*) AS n FROM t").one()).toEqual({ n: 1 });
    expect(db.exec("UPDATE t SET a = a + 1 RETURNING a").toArray()).toEqual([{ a: 4 }]);
  });

  it("one(): exactly one row, or workerd's Error", () => {
    const db = sql();
    db.exec("CREATE TABLE t (a); INSERT INTO t VALUES (1), (2)");
    expect(() => db.exec("SELECT * FROM t WHERE a > 10").one()).toThrow(
      new Error("Expected exactly one result from SQL query, but got no results."),
    );
    expect(() => db.exec("SELECT * FROM t").one()).toThrow(
      new Error("Expected exactly one result from SQL query, but got multiple results."),
    );
    expect(db.exec("SELECT * FROM t WHERE a = 2").one()).toEqual({ a: 2 });
  });

  it("iteration: for-of, next(), raw() iterators", () => {
    const db = sql();
    db.exec("CREATE TABLE t (a); INSERT INTO t VALUES (1), (2), (3)");
    const cursor = db.exec("SELECT a FROM t ORDER BY a");
    expect(cursor.next()).toEqual({ done: false, value: { a: 1 } });
    expect([...cursor]).toEqual([{ a: 2 }, { a: 3 }]);
    expect(cursor.next()).toEqual({ done: true });
    const raw = db.exec("SELECT a FROM t ORDER BY a").raw();
    expect(Object.prototype.toString.call(raw)).toBe("[object RawIterator]");
    expect(raw.next()).toEqual({ done: false, value: [1] });
    expect([...raw]).toEqual([[2], [3]]);
  });

  it("values: integers as numbers (doubles), text, blobs as ArrayBuffer, null", () => {
    const db = sql();
    const row = db.exec("SELECT ? AS x, ? AS y, ? AS z, x'0102' AS b, 9007199254740993 AS big", 1, "s", null).one();
    expect(row.x).toBe(1);
    expect(row.y).toBe("s");
    expect(row.z).toBeNull();
    expect(row.b).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(row.b as ArrayBuffer)]).toEqual([1, 2]);
    expect(row.big).toBe(9007199254740992);
    expect(db.exec("SELECT ? AS b", new Uint8Array([7, 8, 9]).subarray(1)).one().b).toEqual(new Uint8Array([8, 9]).buffer);
  });

  it("bindings: a boolean binds as its string, a BigInt is a TypeError, the count must match", () => {
    const db = sql();
    expect(db.exec("SELECT ? AS x", true).one()).toEqual({ x: "true" });
    expect(() => db.exec("SELECT ? AS x", 10n)).toThrow(new TypeError("Cannot convert a BigInt value to a number"));
    expect(() => db.exec("SELECT ? AS x")).toThrow(new Error("Wrong number of parameter bindings for SQL query."));
    expect(() => db.exec("SELECT ? AS x", 1, 2)).toThrow(new Error("Wrong number of parameter bindings for SQL query."));
    expect(() => db.exec("SELECT ?; SELECT ?", 1, 2)).toThrow(
      new Error("When executing multiple SQL statements in a single call, only the last statement can have parameters."),
    );
    expect(db.exec("SELECT ?2 AS b, ?1 AS a", "one", "two").one()).toEqual({ b: "two", a: "one" });
    expect(db.exec("SELECT :x AS a, :x AS b, ? AS c", "X", "Y").one()).toEqual({ a: "X", b: "X", c: "Y" });
  });

  it("SQLite's errors in workerd's form", () => {
    const db = sql();
    expect(() => db.exec("select * from nope")).toThrow(new Error("no such table: nope: SQLITE_ERROR"));
    expect(() => db.exec("selec 1")).toThrow(new Error('near "selec": syntax error at offset 0: SQLITE_ERROR'));
    expect(() => db.exec("SELECT 1; selec 1")).toThrow(new Error('near "selec": syntax error at offset 0: SQLITE_ERROR'));
    db.exec("CREATE TABLE u (a PRIMARY KEY); INSERT INTO u VALUES (1)");
    expect(() => db.exec("INSERT INTO u VALUES (1)")).toThrow(new Error("UNIQUE constraint failed: u.a: SQLITE_CONSTRAINT"));
  });

  it("no statement: workerd's Error, also for a comment left after the last statement", () => {
    const db = sql();
    for (const text of ["", "  ", "-- hi", "SELECT 1; -- trailing", "SELECT 1;;"]) {
      expect(() => db.exec(text), text).toThrow(new Error("SQL code did not contain a statement."));
    }
    expect(db.exec("-- leading\nSELECT 1 AS a;").one()).toEqual({ a: 1 });
    expect(db.exec("SELECT 1 AS a; ; SELECT 2 AS b").one()).toEqual({ b: 2 });
  });

  it("a trigger body's semicolons do not split it", () => {
    const db = sql();
    db.exec(`CREATE TABLE t (a); CREATE TABLE log (a);
      CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.a); SELECT CASE WHEN 1 THEN 2 END; END;
      INSERT INTO t VALUES (5)`);
    expect(db.exec("SELECT a FROM log").toArray()).toEqual([{ a: 5 }]);
  });
});

describe("SqlStorage: what workerd's authorizer refuses", () => {
  it("BEGIN, COMMIT, SAVEPOINT…: workerd's message pointing to transaction()", () => {
    const db = sql();
    for (const text of ["BEGIN TRANSACTION", "BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT x", "RELEASE x"]) {
      expect(() => db.exec(text), text).toThrow(new Error(TRANSACTION_MESSAGE));
    }
    expect(TRANSACTION_MESSAGE).toMatch(/^To execute a transaction, please use the state\.storage\.transaction\(\)/);
  });

  it("ATTACH, temporary tables, pragmas outside the list, _cf_ tables: not authorized", () => {
    const db = sql();
    for (const text of ["ATTACH 'x.db' AS x", "CREATE TEMP TABLE tt (a)", "PRAGMA journal_mode", "PRAGMA page_size = 8192"]) {
      expect(() => db.exec(text), text).toThrow(new Error("not authorized: SQLITE_AUTH"));
    }
    expect(db.exec("PRAGMA foreign_keys").toArray()).toEqual([{ foreign_keys: 1 }]);
    expect(() => db.exec("SELECT * FROM _cf_KV")).toThrow(new Error("no such table: _cf_KV: SQLITE_ERROR"));
    const { storage } = makeStorage("sqlite");
    storage.kv.put("a", 1);
    expect(() => storage.sql.exec("SELECT * FROM _cf_KV")).toThrow(new Error("not authorized: SQLITE_AUTH"));
    expect(() => db.exec("SELECT load_extension('x')")).toThrow(new Error("not authorized: SQLITE_ERROR"));
  });

  it("databaseSize is a number of bytes", () => {
    const db = sql();
    db.exec("CREATE TABLE t (a)");
    expect(db.databaseSize).toBeGreaterThan(0);
  });
});
