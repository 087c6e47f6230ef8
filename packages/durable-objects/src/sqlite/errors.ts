/**
 * SQLite errors as workerd shows them to a worker: an `Error` whose message is SQLite's, then
 * " at offset N" where SQLite knows the position, then the result code's name (workerd's
 * src/workerd/util/sqlite.c++, `dbErrorMessage`): "no such table: t: SQLITE_ERROR".
 */
import { SqliteError } from "./driver.js";
import type { Token } from "./tokens.js";

/** Primary result codes (https://www.sqlite.org/rescode.html), named as workerd names them. */
const CODE_NAMES: Record<number, string> = {
  1: "SQLITE_ERROR",
  2: "SQLITE_INTERNAL",
  3: "SQLITE_PERM",
  4: "SQLITE_ABORT",
  5: "SQLITE_BUSY",
  6: "SQLITE_LOCKED",
  7: "SQLITE_NOMEM",
  8: "SQLITE_READONLY",
  9: "SQLITE_INTERRUPT",
  10: "SQLITE_IOERR",
  11: "SQLITE_CORRUPT",
  12: "SQLITE_NOTFOUND",
  13: "SQLITE_FULL",
  14: "SQLITE_CANTOPEN",
  15: "SQLITE_PROTOCOL",
  16: "SQLITE_EMPTY",
  17: "SQLITE_SCHEMA",
  18: "SQLITE_TOOBIG",
  19: "SQLITE_CONSTRAINT",
  20: "SQLITE_MISMATCH",
  21: "SQLITE_MISUSE",
  22: "SQLITE_NOLFS",
  23: "SQLITE_AUTH",
  24: "SQLITE_FORMAT",
  25: "SQLITE_RANGE",
  26: "SQLITE_NOTADB",
  27: "SQLITE_NOTICE",
  28: "SQLITE_WARNING",
};

export function codeName(code: number): string {
  return CODE_NAMES[code] ?? `SQLITE_UNKNOWN_ERROR_CODE(${code})`;
}

/**
 * The worker-facing error for `error` thrown while preparing or running `statement`. `tokens` and `offset`
 * (where the statement starts in the text SQLite was given) let us add workerd's " at offset N" to syntax
 * errors, whose position neither binding reports (`sqlite3_error_offset`): it is where the token SQLite
 * quotes begins.
 */
export function toWorkerError(error: unknown, tokens?: readonly Token[], offset = 0): unknown {
  if (!(error instanceof SqliteError)) return error;
  let message = error.message;
  const near = /^near "(.*)": syntax error$/s.exec(message);
  if (near !== null && tokens !== undefined) {
    const token = tokens.find((candidate) => candidate.text === near[1]);
    if (token !== undefined) message += ` at offset ${token.start - offset}`;
  }
  return new Error(`${message}: ${codeName(error.code)}`);
}
