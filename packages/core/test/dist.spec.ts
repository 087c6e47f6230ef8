/**
 * The built package (dist/) under plain `node`, with no flags at all: the promise that module workers need
 * no `--experimental-vm-modules`. Needs `tsc -p tsconfig.build.json` first (turbo runs build before test).
 */
import { readdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { readmeBlock, runNode, useTempDir } from "./helpers.js";

const PACKAGE = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const DIST_INDEX = path.join(PACKAGE, "dist/index.js");

const tmp = useTempDir();

/** Runs `node <args>` as a plain process (helpers.ts); resolves to its stdout, rejects with stderr. */
async function node(args: string[], cwd: string): Promise<string> {
  const { code, stdout, stderr } = await runNode(args, cwd);
  if (code !== 0) throw new Error(`node exited with ${String(code)}: ${stderr}`);
  return stdout;
}

/** The newest modification time of the files under `dir`. */
async function newestMtime(dir: string): Promise<number> {
  const files = await readdir(dir, { recursive: true });
  const times = await Promise.all(files.map(async (file) => (await stat(path.join(dir, file))).mtimeMs));
  return Math.max(...times);
}

beforeAll(async () => {
  const built = await stat(DIST_INDEX).catch(() => undefined);
  if (built === undefined) throw new Error(`${DIST_INDEX} is missing: run \`npx tsc -p tsconfig.build.json\` in packages/core`);
  if ((await newestMtime(path.join(PACKAGE, "src"))) > (await newestMtime(path.join(PACKAGE, "dist")))) {
    throw new Error("packages/core/dist is older than src: run `npx tsc -p tsconfig.build.json` in packages/core");
  }
});

describe("dist under plain node", () => {
  it("runs a modules worker that imports ./util.mjs, with no Node flags", async () => {
    await tmp.write("worker.mjs", `import { shout } from "./util.mjs";\nexport default { fetch: (request) => new Response(shout(new URL(request.url).pathname)) };`);
    await tmp.write("util.mjs", `export const shout = (text) => text.toUpperCase() + "!";`);
    const code = `
      import(${JSON.stringify(pathToFileURL(DIST_INDEX).href)}).then(async ({ MiniflareCore, NoOpLog }) => {
        const mf = new MiniflareCore({ modules: true, scriptPath: "worker.mjs", rootPath: process.cwd(), log: new NoOpLog() });
        const res = await mf.dispatchFetch("http://localhost/from-dist");
        console.log(JSON.stringify({
          status: res.status,
          body: await res.text(),
          flags: process.execArgv.filter((arg) => arg.startsWith("--")),
          nodeOptions: process.env.NODE_OPTIONS ?? null,
          sourceTextModule: typeof require("node:vm").SourceTextModule,
        }));
        await mf.dispose();
      });
    `;
    const output = JSON.parse(await node(["-e", code], tmp.path));
    expect(output).toEqual({
      status: 200,
      body: "/FROM-DIST!",
      flags: [],
      nodeOptions: null,
      // Only --experimental-vm-modules defines it: the worker really ran without that flag.
      sourceTextModule: "undefined",
    });
  });

  it("runs the README quick start as written (only the import specifier pointed at dist/)", async () => {
    const quickStart = await readmeBlock("quick-start");
    const program = quickStart.replace(`from "@flarelet/core"`, `from ${JSON.stringify(pathToFileURL(DIST_INDEX).href)}`);
    expect(program).not.toBe(quickStart);
    const file = path.join(tmp.path, "quick-start.mjs");
    await writeFile(file, program);
    expect(await node([file], tmp.path)).toBe("200 Hello from /quick-start, flarelet!\n");
  });

  it("runs the README cloudflare:workers example as written", async () => {
    const example = await readmeBlock("workers-module");
    const program = example.replace(`from "@flarelet/core"`, `from ${JSON.stringify(pathToFileURL(DIST_INDEX).href)}`);
    expect(program).not.toBe(example);
    const file = path.join(tmp.path, "workers-module.mjs");
    await writeFile(file, program);
    expect(await node([file], tmp.path)).toBe("Hello from a Counter worker [ 'logged later' ]\nfunction\n");
  });
});
