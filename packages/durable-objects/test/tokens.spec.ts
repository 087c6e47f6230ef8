import { describe, expect, it } from "vitest";
import { numberParameters, parameterCount, splitStatements, tokenize } from "../src/sqlite/tokens.js";

describe("splitStatements", () => {
  const split = (sql: string) => splitStatements(sql).statements.map((statement) => statement.sql);

  it.each([
    ["SELECT 1", ["SELECT 1"]],
    ["SELECT 1; SELECT 2;", ["SELECT 1;", "SELECT 2;"]],
    ["SELECT ';'; SELECT \"a;b\" FROM [x;y]", ["SELECT ';';", 'SELECT "a;b" FROM [x;y]']],
    ["SELECT 1 -- ; not a split\n; SELECT 2", ["SELECT 1 -- ; not a split\n;", "SELECT 2"]],
    ["SELECT /* ; */ 1", ["SELECT /* ; */ 1"]],
    [";;SELECT 1", ["SELECT 1"]],
    ["CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; SELECT CASE 1 WHEN 1 THEN 2 END; END; SELECT 3", [
      "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; SELECT CASE 1 WHEN 1 THEN 2 END; END;",
      "SELECT 3",
    ]],
  ])("%j", (sql, expected) => {
    expect(split(sql)).toEqual(expected);
  });

  it("marks text left after the last statement that holds none", () => {
    expect(splitStatements("SELECT 1; ").trailing).toBe(false);
    expect(splitStatements("SELECT 1; -- c").trailing).toBe(true);
    expect(splitStatements("SELECT 1;;").trailing).toBe(true);
  });
});

describe("parameters", () => {
  const tokens = (sql: string) => tokenize(sql).tokens;
  it.each([
    ["SELECT 1", 0],
    ["SELECT ?, ?", 2],
    ["SELECT ?3", 3],
    ["SELECT ?2, ?", 3],
    ["SELECT :a, @b, $c, :a", 3],
    ["SELECT '?', \"?\"", 0],
  ])("parameterCount(%j) is %i", (sql, count) => {
    expect(parameterCount(tokens(sql))).toBe(count);
  });

  it("numberParameters writes named parameters as ?N", () => {
    const [statement] = splitStatements("SELECT :x, ?, :x, @y").statements;
    expect(numberParameters(statement!)).toBe("SELECT ?1, ?2, ?1, ?3");
    const [plain] = splitStatements("SELECT ?, ?").statements;
    expect(numberParameters(plain!)).toBe("SELECT ?, ?");
  });
});
