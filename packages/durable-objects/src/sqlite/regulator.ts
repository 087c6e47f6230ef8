/**
 * What workerd's SQLite authorizer refuses in a Durable Object's `sql.exec()` (workerd's
 * src/workerd/util/sqlite.c++, `SqliteDatabase::isAuthorized`, and src/workerd/api/sql.c++,
 * `SqlStorageRegulator`), decided here from the statement's tokens because neither SQLite binding flarelet
 * uses exposes `sqlite3_set_authorizer`. It runs after SQLite prepared the statement, so SQLite's own
 * errors ("no such table: …") come first, as they do in workerd.
 *
 * Covered: transactions and savepoints (workerd's long message), ATTACH/DETACH, temporary objects,
 * virtual tables other than FTS5 and R*Tree, pragmas outside workerd's list, any name starting with
 * `_cf_` (workerd's own tables, e.g. `_cf_KV` holding the key-value API's data), and `load_extension()`.
 * Not covered (approximated): workerd's list of allowed SQL functions beyond that one.
 */
import type { Token } from "./tokens.js";

export const TRANSACTION_MESSAGE =
  "To execute a transaction, please use the state.storage.transaction() or state.storage.transactionSync() " +
  "APIs instead of the SQL BEGIN TRANSACTION or SAVEPOINT statements. The JavaScript API is safer because it " +
  "will automatically roll back on exceptions, and because it interacts correctly with Durable Objects' " +
  "automatic atomic write coalescing.";

/** `not authorized` with SQLite's result code name, as workerd formats SQLite errors. */
export const NOT_AUTHORIZED = "not authorized: SQLITE_AUTH";

type PragmaSignature = "no-arg" | "boolean" | "object-name" | "optional-object-name" | "null-or-number" | "null-number-or-object-name";

/** workerd's ALLOWED_PRAGMAS, plus table_list/table_info/table_xinfo, which it special-cases. */
const ALLOWED_PRAGMAS = new Map<string, PragmaSignature>([
  ["data_version", "no-arg"],
  ["page_size", "no-arg"],
  ["case_sensitive_like", "boolean"],
  ["foreign_keys", "boolean"],
  ["defer_foreign_keys", "boolean"],
  ["ignore_check_constraints", "boolean"],
  ["legacy_alter_table", "boolean"],
  ["recursive_triggers", "boolean"],
  ["reverse_unordered_selects", "boolean"],
  ["foreign_key_check", "optional-object-name"],
  ["foreign_key_list", "object-name"],
  ["index_info", "object-name"],
  ["index_list", "object-name"],
  ["index_xinfo", "object-name"],
  ["quick_check", "null-number-or-object-name"],
  ["optimize", "null-or-number"],
  ["table_list", "optional-object-name"],
  ["table_info", "object-name"],
  ["table_xinfo", "object-name"],
]);

const TRANSACTION_WORDS = new Set(["BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"]);
const ALLOWED_VIRTUAL_TABLE_MODULES = new Set(["fts5", "fts5vocab", "rtree", "rtree_i32"]);
const BOOLEAN_WORDS = /^(true|false|yes|no|on|off|1|0)/i;

/** `beforePrepare`: refused even where SQLite could not prepare the statement (an unknown function). */
export type Refusal = { message: string; beforePrepare?: boolean } | undefined;

/** Why workerd would refuse this (already prepared) statement, or undefined if it would not. */
export function refusal(tokens: readonly Token[]): Refusal {
  const words = tokens.map((token) => (token.kind === "word" ? token.value.toUpperCase() : ""));
  let first = 0;
  // EXPLAIN [QUERY PLAN] stmt: the authorizer sees the statement being explained.
  if (words[0] === "EXPLAIN") first = words[1] === "QUERY" && words[2] === "PLAN" ? 3 : 1;
  const head = words[first] ?? "";
  if (TRANSACTION_WORDS.has(head)) return { message: TRANSACTION_MESSAGE };
  if (head === "ATTACH" || head === "DETACH") return { message: NOT_AUTHORIZED };
  if (head === "CREATE" && (words[first + 1] === "TEMP" || words[first + 1] === "TEMPORARY")) return { message: NOT_AUTHORIZED };
  if (head === "CREATE" && words[first + 1] === "VIRTUAL") {
    const using = words.indexOf("USING", first);
    const module = using === -1 ? "" : (tokens[using + 1]?.value ?? "").toLowerCase();
    if (!ALLOWED_VIRTUAL_TABLE_MODULES.has(module)) return { message: NOT_AUTHORIZED };
  }
  if (head === "PRAGMA" && !pragmaAllowed(tokens.slice(first + 1))) return { message: NOT_AUTHORIZED };
  for (const [index, token] of tokens.entries()) {
    if ((token.kind === "word" || token.kind === "identifier") && isReservedName(token.value)) return { message: NOT_AUTHORIZED };
    if (token.kind === "word" && token.value.toLowerCase() === "load_extension" && tokens[index + 1]?.text === "(") {
      return { message: "not authorized: SQLITE_ERROR", beforePrepare: true };
    }
  }
  return undefined;
}

/** workerd's `SqlStorageRegulator::isAllowedName`: names starting `_cf_` (any case) are its own. */
export function isReservedName(name: string): boolean {
  return name.length >= 4 && name.slice(0, 4).toLowerCase() === "_cf_";
}

/** `PRAGMA [schema.]name [= value | (value)]` against workerd's list and argument rules. */
function pragmaAllowed(tokens: readonly Token[]): boolean {
  let rest = tokens;
  if (rest[1]?.text === ".") {
    if (rest[0]?.value.toLowerCase() !== "main") return false;
    rest = rest.slice(2);
  }
  const name = (rest[0]?.value ?? "").toLowerCase();
  const signature = ALLOWED_PRAGMAS.get(name);
  if (signature === undefined) return false;
  let argument: string | undefined;
  if (rest[1]?.text === "=") argument = rest[2]?.value;
  else if (rest[1]?.text === "(") argument = rest[2]?.value;
  switch (signature) {
    case "no-arg":
      return argument === undefined;
    case "boolean":
      return argument === undefined || BOOLEAN_WORDS.test(argument);
    case "object-name":
      return argument !== undefined && !isReservedName(argument);
    case "optional-object-name":
      return argument === undefined || !isReservedName(argument);
    case "null-or-number":
      return argument === undefined || /^-?[0-9]+$/.test(argument);
    case "null-number-or-object-name":
      return argument === undefined || /^[0-9]+$/.test(argument) || !isReservedName(argument);
  }
}
