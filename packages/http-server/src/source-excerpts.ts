/**
 * The error page's code frames: for each frame of a (source-mapped) stack that points at a file on disk, the
 * lines around the failing one, as wrangler's and Miniflare 2's pages show them. Files are read only when a
 * page is rendered, and at most `MAX_FRAMES` of them.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

export interface SourceExcerpt {
  /** "at fetch (/project/src/index.ts:12:9)", as the stack has it. */
  readonly frame: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The lines around `line`, each with its number. */
  readonly lines: readonly { number: number; text: string }[];
}

const MAX_FRAMES = 5;
/** Lines shown before and after the failing one. */
const CONTEXT = 3;
const FRAME = /^\s+at (?:async )?(?:.*? \()?(.+?):(\d+):(\d+)\)?$/;

export function sourceExcerpts(stack: string): SourceExcerpt[] {
  const excerpts: SourceExcerpt[] = [];
  for (const frame of stack.split("\n")) {
    if (excerpts.length === MAX_FRAMES) break;
    const match = FRAME.exec(frame);
    if (match === null) continue;
    const [, file, lineText, columnText] = match;
    if (!path.isAbsolute(file!) || file!.includes(`${path.sep}node_modules${path.sep}`)) continue;
    let text: string;
    try {
      text = readFileSync(file!, "utf8");
    } catch {
      continue;
    }
    const line = Number(lineText);
    const all = text.split(/\r?\n/);
    const first = Math.max(1, line - CONTEXT);
    const last = Math.min(all.length, line + CONTEXT);
    const lines = [];
    for (let number = first; number <= last; number++) lines.push({ number, text: all[number - 1]! });
    excerpts.push({ frame: frame.trim(), file: file!, line, column: Number(columnText), lines });
  }
  return excerpts;
}
