// The SQLite engines under storage (src/sqlite/driver.ts): whichever this Node uses, and the WebAssembly
// one on every Node, since it reaches into four undocumented methods of node-sqlite3-wasm.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openSqlite, sqliteEngine, SqliteError } from "../src/sqlite/driver.js";
import { openWasmSqlite, type WasmSqliteModule } from "../src/sqlite/wasm.js";

const wasm = createRequire(import.meta.url)("node-sqlite3-wasm") as WasmSqliteModule;

describe.each([
  ["this Node's engine", (path: string) => openSqlite(path)],
  ["node-sqlite3-wasm", (path: string) => openWasmSqlite(wasm, path)],
])("SqliteConnection (%s)", (_, open) => {
  it("prepares, binds and returns raw rows with duplicate column names kept", () => {
    const db = open(":memory:");
    const statement = db.prepare("SELECT ? AS a, ? AS a, x'00ff' AS b, 9007199254740993 AS c");
    expect(statement.columnNames).toEqual(["a", "a", "b", "c"]);
    const rows = statement.rows([1n, "two"]);
    const first = rows.next();
    expect(first.done).toBe(false);
    const [a, a2, b, c] = first.value as unknown[];
    expect(Number(a)).toBe(1);
    expect(a2).toBe("two");
    expect([...(b as Uint8Array)]).toEqual([0, 255]);
    expect(c).toBe(9007199254740993n);
    expect(rows.next().done).toBe(true);
    statement.finalize();
    db.close();
  });

  it("reports SQLite's errors with their result code", () => {
    const db = open(":memory:");
    db.exec("CREATE TABLE t (a PRIMARY KEY); INSERT INTO t VALUES (1)");
    const statement = db.prepare("INSERT INTO t VALUES (1)");
    expect(() => statement.rows([]).next()).toThrow(expect.objectContaining({ code: 19, message: "UNIQUE constraint failed: t.a" }));
    statement.finalize();
    expect(() => db.prepare("selec 1")).toThrow(SqliteError);
    expect(db.totalChanges()).toBe(1);
    db.close();
  });
});

describe("node-sqlite3-wasm files", () => {
  it("a lock folder left by a killed process does not lock the database forever", () => {
    const folder = mkdtempSync(path.join(tmpdir(), "flarelet-do-"));
    const file = path.join(folder, "object.sqlite");
    const first = openWasmSqlite(wasm, file);
    first.exec("CREATE TABLE t (a); INSERT INTO t VALUES (1)");
    first.close();
    mkdirSync(`${file}.lock`);
    const second = openWasmSqlite(wasm, file);
    second.exec("INSERT INTO t VALUES (2)");
    expect(second.totalChanges()).toBe(1);
    second.close();
    rmSync(folder, { recursive: true, force: true });
  });
});

describe("openSqlite", () => {
  it("uses node:sqlite where this Node has it without a flag, WebAssembly otherwise", () => {
    const hasNodeSqlite = process.getBuiltinModule?.("node:sqlite") !== undefined;
    expect(sqliteEngine()).toBe(hasNodeSqlite ? "node:sqlite" : "node-sqlite3-wasm");
  });
});
