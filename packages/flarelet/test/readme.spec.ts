/** packages/flarelet/README.md stays in step with the code: flags, options and the seed examples. */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FLAGS } from "../src/cli/args.js";
import { KNOWN_OPTIONS } from "../src/options.js";
import { Miniflare, NoOpLog } from "../src/index.js";
import { ECHO_WORKER, onCleanup, PACKAGE, readmeBlock, useTempDir } from "./helpers.js";

const tmp = useTempDir();

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

  it("serves the wrangler.jsonc example as written, top level and [env.staging]", async () => {
    await tmp.write("wrangler.jsonc", await readmeBlock("wrangler-jsonc"));
    await tmp.write("src/notes.md", "# notes");
    await tmp.write(
      "src/index.ts",
      `import notes from "./notes.md";\ndeclare const __VERSION__: string;\nexport default { fetch: (_: Request, env: { GREETING: string; LIMITS: { max: number } }) => new Response([env.GREETING, env.LIMITS?.max, typeof __VERSION__ === "undefined" ? "-" : __VERSION__, notes].join(" | ")) };`,
    );
    const serve = async (wranglerConfigEnv?: string) => {
      const mf = new Miniflare({ rootPath: tmp.path, wranglerConfigPath: true, wranglerConfigEnv, log: new NoOpLog() });
      onCleanup(() => mf.dispose());
      return (await mf.dispatchFetch()).text();
    };
    expect(await serve()).toBe("hello | 10 | 1.0.0 | # notes");
    // The environment has only its own vars, and no define of its own (neither is inherited); rules are.
    expect(await serve("staging")).toBe("hello from staging |  | - | # notes");
  });
});
