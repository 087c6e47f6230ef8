/**
 * packages/core/README.md: its code blocks and tables must stay true. The plugin example is exercised in
 * readme-plugin.spec.ts and the quick start in dist.spec.ts; both find their block with `readmeBlock()` (helpers.ts).
 */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { FlareletError, MiniflareCore, type MiniflareCoreOptions } from "@flarelet/core";
import { README, readmeBlock, thrownBy } from "./helpers.js";

/** The first column (`name`) of each row of the table after the marker. */
async function readmeTableKeys(marker: string): Promise<string[]> {
  const readme = await readFile(README, "utf8");
  const at = readme.indexOf(`<!-- ${marker}`);
  if (at === -1) throw new Error(`README.md has no <!-- ${marker} --> marker`);
  const lines = readme.slice(at).split("\n").slice(1);
  const table = lines.slice(0, lines.findIndex((line) => !line.startsWith("|")));
  return table.slice(2).map((row) => /^\|\s*`([^`]+)`/.exec(row)?.[1] ?? row);
}

/** MiniflareCore's options, as its own "unknown option" error lists them. */
function knownOptions(): string[] {
  const error = thrownBy(() => new MiniflareCore({ notAnOption: true } as MiniflareCoreOptions)) as FlareletError;
  const list = /Known options: (.*)\.$/.exec(error.message);
  if (list === null) throw new Error(`unexpected message: ${error.message}`);
  return list[1]!.split(", ");
}

describe("README.md", () => {
  it("documents every MiniflareCore option in the options table, and no other", async () => {
    const documented = await readmeTableKeys("options-table");
    expect(documented.length).toBeGreaterThan(0);
    expect([...documented].sort()).toEqual(knownOptions().sort());
  });

  it("finds the quick start and the plugin example", async () => {
    expect(await readmeBlock("quick-start")).toContain("new MiniflareCore(");
    expect(await readmeBlock("readme-plugin")).toContain("definePlugin(");
  });
});
