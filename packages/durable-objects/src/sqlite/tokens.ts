/**
 * A small SQL tokenizer, enough to do in JavaScript what workerd does with SQLite's C API and what neither
 * `node:sqlite` nor the WebAssembly build expose: split a text into statements (workerd runs every statement
 * of `sql.exec()` and returns the last one's cursor, using `sqlite3_prepare_v3`'s tail pointer), count a
 * statement's parameters, and see which names and keywords it uses (workerd's authorizer callback).
 *
 * Token rules follow SQLite's tokenizer (https://www.sqlite.org/lang_keywords.html and tokenize.c in the
 * SQLite sources): '…' strings with '' escapes, "…", `…` and […] identifiers, -- and /* *\/ comments,
 * parameters ?, ?NNN, :name, @name, $name.
 */

export type TokenKind = "word" | "identifier" | "string" | "number" | "parameter" | "semicolon" | "punct" | "blob";

export interface Token {
  readonly kind: TokenKind;
  /** The token's text as written (quotes included). */
  readonly text: string;
  /** For words and identifiers: the name, unquoted; for others the text. */
  readonly value: string;
  readonly start: number;
  readonly end: number;
}

export interface Tokenized {
  readonly tokens: readonly Token[];
  /** False when a string, quoted identifier or block comment is not closed. */
  readonly complete: boolean;
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
const SPACE = /[ \t\n\r\f\v]/;

export function tokenize(sql: string): Tokenized {
  const tokens: Token[] = [];
  let i = 0;
  const push = (kind: TokenKind, start: number, end: number, value?: string) => {
    const text = sql.slice(start, end);
    tokens.push({ kind, text, value: value ?? text, start, end });
  };
  while (i < sql.length) {
    const c = sql[i]!;
    if (SPACE.test(c)) {
      i++;
    } else if (c === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      i = end === -1 ? sql.length : end + 1;
    } else if (c === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      if (end === -1) return { tokens, complete: false };
      i = end + 2;
    } else if (c === "'" || c === '"' || c === "`") {
      const end = closingQuote(sql, i, c);
      if (end === -1) return { tokens, complete: false };
      const inner = sql.slice(i + 1, end - 1).replaceAll(c + c, c);
      push(c === "'" ? "string" : "identifier", i, end, inner);
      i = end;
    } else if (c === "[") {
      const end = sql.indexOf("]", i);
      if (end === -1) return { tokens, complete: false };
      push("identifier", i, end + 1, sql.slice(i + 1, end));
      i = end + 1;
    } else if ((c === "x" || c === "X") && sql[i + 1] === "'") {
      const end = closingQuote(sql, i + 1, "'");
      if (end === -1) return { tokens, complete: false };
      push("blob", i, end);
      i = end;
    } else if (WORD_START.test(c)) {
      let end = i + 1;
      while (end < sql.length && WORD_PART.test(sql[end]!)) end++;
      push("word", i, end);
      i = end;
    } else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(sql[i + 1] ?? ""))) {
      let end = i + 1;
      while (end < sql.length && /[0-9A-Za-z_.]/.test(sql[end]!)) {
        // An exponent's sign belongs to the number: 1e-5.
        if ((sql[end] === "e" || sql[end] === "E") && /[+-]/.test(sql[end + 1] ?? "")) end++;
        end++;
      }
      push("number", i, end);
      i = end;
    } else if (c === "?") {
      let end = i + 1;
      while (end < sql.length && /[0-9]/.test(sql[end]!)) end++;
      push("parameter", i, end);
      i = end;
    } else if ((c === ":" || c === "@" || c === "$") && WORD_PART.test(sql[i + 1] ?? "")) {
      let end = i + 1;
      while (end < sql.length && (WORD_PART.test(sql[end]!) || sql[end] === ":")) end++;
      push("parameter", i, end);
      i = end;
    } else if (c === ";") {
      push("semicolon", i, i + 1);
      i++;
    } else {
      push("punct", i, i + 1);
      i++;
    }
  }
  return { tokens, complete: true };
}

/** Index just past the closing `quote` of the quoted text opening at `start`, or -1 if it never closes. */
function closingQuote(sql: string, start: number, quote: string): number {
  let i = start + 1;
  for (;;) {
    const end = sql.indexOf(quote, i);
    if (end === -1) return -1;
    if (sql[end + 1] === quote) {
      i = end + 2;
      continue;
    }
    return end + 1;
  }
}

export interface StatementText {
  /** The statement, from its first token to its end (a closing `;` excluded). */
  readonly sql: string;
  readonly tokens: readonly Token[];
  /** Where the statement's text ends in the whole text, its closing `;` included. */
  readonly end: number;
}

/**
 * Splits `sql` into statements as successive `sqlite3_prepare_v3` calls would: empty statements (`;;`) are
 * skipped, and a `CREATE TRIGGER … BEGIN …; …; END;` is one statement (SQLite's `sqlite3_complete()` state
 * machine: inside a trigger body, only `; END ;` ends it). `trailing` is true when text other than
 * whitespace follows the last statement without holding one (a comment, a second `;`): workerd then fails
 * with "SQL code did not contain a statement.", since it skips only whitespace after a statement and
 * SQLite prepares nothing from the rest.
 */
export function splitStatements(sql: string): { statements: StatementText[]; trailing: boolean } {
  const { tokens } = tokenize(sql);
  const statements: StatementText[] = [];
  let current: Token[] = [];
  let inTrigger = false;
  let afterSemicolonInTrigger = false;
  let endSeen = false;
  let lastEnd = 0;
  const finish = (end: number) => {
    if (current.length > 0) {
      const start = current[0]!.start;
      statements.push({ sql: sql.slice(start, end), tokens: current, end });
      lastEnd = end;
    }
    current = [];
    inTrigger = false;
    afterSemicolonInTrigger = false;
    endSeen = false;
  };
  for (const token of tokens) {
    if (token.kind === "semicolon") {
      if (current.length === 0) continue;
      if (!inTrigger || endSeen) {
        finish(token.end);
        continue;
      }
      current.push(token);
      afterSemicolonInTrigger = true;
      continue;
    }
    current.push(token);
    if (current.length <= 4 && isTriggerStart(current)) inTrigger = true;
    if (inTrigger) {
      endSeen = afterSemicolonInTrigger && token.kind === "word" && token.value.toUpperCase() === "END";
      afterSemicolonInTrigger = false;
    }
  }
  if (current.length > 0) finish(sql.length);
  const rest = sql.slice(lastEnd);
  return { statements, trailing: statements.length > 0 && !/^[ \t\n\r\f\v]*$/.test(rest) };
}

/** CREATE [TEMP|TEMPORARY] TRIGGER … */
function isTriggerStart(tokens: readonly Token[]): boolean {
  const words = tokens.map((token) => (token.kind === "word" ? token.value.toUpperCase() : ""));
  if (words[0] !== "CREATE") return false;
  return words[1] === "TRIGGER" || ((words[1] === "TEMP" || words[1] === "TEMPORARY") && words[2] === "TRIGGER");
}

/**
 * How many values a statement binds: `?` takes the next number, `?NNN` that number, and each distinct
 * named parameter the next one (https://www.sqlite.org/lang_expr.html#parameters).
 */
export function parameterCount(tokens: readonly Token[]): number {
  let highest = 0;
  const named = new Map<string, number>();
  for (const token of tokens) {
    if (token.kind !== "parameter") continue;
    if (token.text === "?") {
      highest++;
    } else if (token.text.startsWith("?")) {
      highest = Math.max(highest, Number(token.text.slice(1)));
    } else if (!named.has(token.text)) {
      highest++;
      named.set(token.text, highest);
    }
  }
  return highest;
}

/**
 * The statement with every parameter written as `?N`, numbered as SQLite numbers them: workerd binds
 * values by position, which `node:sqlite` does only for numbered parameters (it binds `:name` from an
 * object). Unchanged when the statement has no named parameter.
 */
export function numberParameters(statement: StatementText): string {
  const parameters = statement.tokens.filter((token) => token.kind === "parameter");
  if (!parameters.some((token) => !token.text.startsWith("?"))) return statement.sql;
  const base = statement.tokens[0]!.start;
  let next = 0;
  const named = new Map<string, number>();
  let out = "";
  let position = base;
  for (const token of parameters) {
    let index: number;
    if (token.text === "?") index = ++next;
    else if (token.text.startsWith("?")) next = Math.max(next, (index = Number(token.text.slice(1))));
    else if (named.has(token.text)) index = named.get(token.text)!;
    else named.set(token.text, (index = ++next));
    out += statement.sql.slice(position - base, token.start - base) + `?${index}`;
    position = token.end;
  }
  return out + statement.sql.slice(position - base);
}
