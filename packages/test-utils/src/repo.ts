/** Files of this repository the packages' tests share. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The repository's root folder. */
export const REPO = fileURLToPath(new URL("../../../", import.meta.url));

/** The seed page's echo worker, as the repository keeps it (examples/echo.mjs, served by `pnpm start`). */
export const ECHO_WORKER = readFileSync(new URL("../../../examples/echo.mjs", import.meta.url), "utf8");

/**
 * The first fenced code block after the `<!-- marker… -->` comment of `markdown` (a README's text), without
 * its fences, ending with a newline: READMEs mark the examples a test runs this way.
 */
export function markedBlock(markdown: string, marker: string): string {
  const at = markdown.indexOf(`<!-- ${marker}`);
  if (at === -1) throw new Error(`no <!-- ${marker} --> marker`);
  const block = /```[a-z]*\n([\s\S]*?)\n```/.exec(markdown.slice(at));
  if (block === null) throw new Error(`no code block after <!-- ${marker} -->`);
  return `${block[1]!}\n`;
}
