/** packages/flarelet/README.md stays in step with the code: flags, options and the seed examples. */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FLAGS } from "../src/cli/args.js";
import { KNOWN_OPTIONS } from "../src/options.js";
import { ECHO_WORKER, PACKAGE, readmeBlock } from "./helpers.js";

/** The first cell of each row of the table that follows `<!-- name`. */
async function tableFirstCells(name: string): Promise<string[]> {
  const readme = await readFile(path.join(PACKAGE, "README.md"), "utf8");
  const start = readme.indexOf(`<!-- ${name}`);
  expect(start, `<!-- ${name} --> marker`).toBeGreaterThan(-1);
  const lines = readme.slice(start).split("\n").slice(1);
  const rows: string[] = [];
  for (const line of lines.slice(2)) {
    if (!line.startsWith("|")) break;
    rows.push(line.split("|")[1]!.trim());
  }
  return rows;
}

describe("README.md", () => {
  it("documents exactly the command's flags, with their short names and values", async () => {
    const cells = await tableFirstCells("flags-table");
    const expected = FLAGS.map((flag) => {
      const names = `${"short" in flag ? `-${flag.short}, ` : ""}--${flag.name}`;
      const value = "value" in flag ? ("optionalValue" in flag ? ` [${flag.value}]` : ` ${flag.value}`) : "";
      return `\`${names}${value}\``;
    });
    expect(cells).toEqual(expected);
  });

  it("documents exactly the options Miniflare accepts", async () => {
    const cells = await tableFirstCells("options-table");
    expect(cells.map((cell) => cell.replace(/`/g, "")).sort()).toEqual([...KNOWN_OPTIONS].sort());
  });

  it("shows the seed page's echo worker exactly as examples/echo.mjs has it", async () => {
    expect(await readmeBlock("seed-echo")).toBe(await readFile(ECHO_WORKER, "utf8"));
  });
});
