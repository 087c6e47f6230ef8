import { FlareletError } from "../errors.js";

/**
 * A syntax error as flarelet reports it: file, line and column up front, then the offending line with a
 * caret under the column, so that it reads well in a terminal without a stack trace.
 */
export function syntaxError(
  file: string,
  source: string,
  line: number,
  column: number,
  message: string,
  cause: unknown,
): FlareletError {
  return new FlareletError(
    "ERR_SCRIPT_SYNTAX",
    `Syntax error in ${file}:${line}:${column + 1}: ${message}\n${codeFrame(source, line, column)}`,
    { cause },
  );
}

function codeFrame(source: string, line: number, column: number): string {
  const text = source.split(/\r\n|[\n\r\u2028\u2029]/)[line - 1] ?? "";
  const gutter = String(line);
  return `  ${gutter} | ${text}\n  ${" ".repeat(gutter.length)} | ${" ".repeat(column)}^`;
}

/** Acorn's errors carry `loc` and end their message with " (line:column)". */
export function fromAcornError(file: string, source: string, error: unknown): unknown {
  const loc = (error as { loc?: { line: number; column: number } }).loc;
  if (!(error instanceof SyntaxError) || loc === undefined) return error;
  const message = error.message.replace(/ \(\d+:\d+\)$/, "");
  return syntaxError(file, source, loc.line, loc.column, message, error);
}

/**
 * V8's syntax errors from `vm.Script` put the location in the first line of the stack ("file:line") and a
 * caret line below the source line.
 */
export function fromV8SyntaxError(file: string, source: string, error: unknown): unknown {
  if (!(typeof error === "object" && error !== null && (error as Error).name === "SyntaxError")) return error;
  const stack = String((error as Error).stack ?? "");
  const [first = "", , caret = ""] = stack.split("\n");
  const match = /:(\d+)$/.exec(first);
  if (match === null) return error;
  const column = Math.max(0, caret.indexOf("^"));
  return syntaxError(file, source, Number(match[1]), column, (error as Error).message, error);
}
