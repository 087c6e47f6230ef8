/**
 * packages/core/README.md: its code blocks and tables must stay true. The plugin example is exercised in
 * readme-plugin.spec.ts and the quick start in dist.spec.ts; both find their block with `readmeBlock()` (helpers.ts).
 */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import * as core from "@flarelet/core";
import * as internal from "@flarelet/core/internal";
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

  it("lists exactly what @flarelet/core and @flarelet/core/internal export, values and types", async () => {
    const readme = await readFile(README, "utf8");
    const at = readme.indexOf("<!-- exports-list");
    const list = readme.slice(at, readme.indexOf("\n\n", at));
    const documented = (prefix: string) => {
      const line = list.split("\n- ").find((item) => item.startsWith(prefix)) ?? "";
      return [...line.replace(/\([^)]*\)/g, "").matchAll(/`([A-Za-z_]+)`/g)].map((match) => match[1]!);
    };
    const types = documented("Types:");
    const internals = documented("`@flarelet/core/internal`:");
    const values = list
      .split("\n- ")
      .filter((item) => !item.startsWith("Types:") && !item.startsWith("`@flarelet/core/internal`"))
      .flatMap((item) => [...item.replace(/\([^)]*\)/g, "").matchAll(/`([A-Za-z_]+)`/g)].map((match) => match[1]!));
    expect([...new Set(values)].sort()).toEqual(Object.keys(core).sort());
    expect(internals.sort()).toEqual(Object.keys(internal).sort());
    const index = await readFile(new URL("../src/index.ts", import.meta.url), "utf8");
    const exportedTypes = [...index.matchAll(/^export type \{([^}]*)\}/gm)].flatMap((match) => match[1]!.split(",").map((name) => name.trim()));
    expect(types.sort()).toEqual(exportedTypes.sort());
  });

  it("finds the quick start and the plugin example", async () => {
    expect(await readmeBlock("quick-start")).toContain("new MiniflareCore(");
    expect(await readmeBlock("readme-plugin")).toContain("definePlugin(");
  });
});
