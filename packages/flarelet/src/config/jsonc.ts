/**
 * JSON with comments (`//`, `/* *\/`) and trailing commas, as wrangler.jsonc and wrangler.json allow. The
 * comments and commas are blanked out (newlines kept, so positions stay the file's own) and the rest goes
 * to `JSON.parse`; a syntax error reports line and column.
 */

export class JsoncSyntaxError extends SyntaxError {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

export function parseJsonc(text: string): unknown {
  const clean = stripCommentsAndTrailingCommas(text);
  try {
    return JSON.parse(clean);
  } catch (error) {
    // Node 20's message ends with "at position N" (later versions add "(line L column C)").
    const position = /position (\d+)/.exec((error as Error).message);
    const offset = position === null ? clean.length : Number(position[1]);
    const before = clean.slice(0, offset).split("\n");
    const message = (error as Error).message.replace(/ in JSON at position \d+.*$/s, "").replace(/ \(line \d+ column \d+\)$/, "");
    throw new JsoncSyntaxError(message, before.length, before.at(-1)!.length + 1);
  }
}

function stripCommentsAndTrailingCommas(text: string): string {
  let out = "";
  let index = 0;
  const blank = (end: number) => {
    out += text.slice(index, end).replace(/[^\n]/g, " ");
    index = end;
  };
  while (index < text.length) {
    const char = text[index]!;
    if (char === '"') {
      // A string, escapes included, copied as it is.
      let end = index + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
      out += text.slice(index, end + 1);
      index = end + 1;
    } else if (text.startsWith("//", index)) {
      const end = text.indexOf("\n", index);
      blank(end === -1 ? text.length : end);
    } else if (text.startsWith("/*", index)) {
      const end = text.indexOf("*/", index + 2);
      blank(end === -1 ? text.length : end + 2);
    } else if (char === ",") {
      // A comma followed (after blanks and comments) by a closing bracket is a trailing one.
      const rest = nextSignificant(text, index + 1);
      if (rest === "}" || rest === "]") blank(index + 1);
      else {
        out += char;
        index++;
      }
    } else {
      out += char;
      index++;
    }
  }
  return out;
}

/** The next significant character after `from`, skipping whitespace and comments. */
function nextSignificant(text: string, from: number): string | undefined {
  let index = from;
  while (index < text.length) {
    if (/\s/.test(text[index]!)) index++;
    else if (text.startsWith("//", index)) {
      const end = text.indexOf("\n", index);
      index = end === -1 ? text.length : end;
    } else if (text.startsWith("/*", index)) {
      const end = text.indexOf("*/", index + 2);
      index = end === -1 ? text.length : end + 2;
    } else return text[index];
  }
  return undefined;
}
