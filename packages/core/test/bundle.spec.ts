/**
 * Bundling (src/bundle/, src/load-script.ts): TypeScript, npm packages by wrangler's conditions, module
 * rules, define and alias, format detection, bundle: false, build errors and rebuilds.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FlareletError, ReloadEvent, type MiniflareCoreOptions } from "@flarelet/core";
import { rejectionOf, useCore, useTempDir } from "./helpers.js";

const cores = useCore();
const tmp = useTempDir();

/** Writes the files into the temporary folder and creates an instance whose entry is `entry`. */
async function project(files: Record<string, string | Uint8Array>, entry: string, options: MiniflareCoreOptions = {}) {
  for (const [name, contents] of Object.entries(files)) await tmp.write(name, contents);
  return cores.create({ rootPath: tmp.path, scriptPath: entry, ...options });
}

/** A package in node_modules with the given package.json fields and files. */
function pkg(name: string, manifest: object, files: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { [`node_modules/${name}/package.json`]: JSON.stringify({ name, ...manifest }) };
  for (const [file, contents] of Object.entries(files)) out[`node_modules/${name}/${file}`] = contents;
  return out;
}

async function text(mf: { dispatchFetch(): Promise<Response> }): Promise<string> {
  return (await mf.dispatchFetch()).text();
}

describe("bundling: TypeScript", () => {
  it("runs a TS entry with types, an enum and import type, as a modules worker found by its exports", async () => {
    const mf = await project(
      {
        "src/index.ts": `import type { Greeting } from "./types";
import { shout } from "./util";
enum Level { Low = 1, High = 10 }
interface Env { NAME: string }
const greeting: Greeting = { text: "hello" };
export default {
  fetch(request: Request, env: Env): Response {
    return new Response(shout(greeting.text) + " " + env.NAME + " " + Level.High);
  },
} satisfies ExportedHandler<Env>;
`,
        "src/types.ts": `export interface Greeting { text: string }`,
        "src/util.ts": `export const shout = (text: string): string => text.toUpperCase();`,
      },
      "src/index.ts",
      { bindings: { NAME: "flarelet" } },
    );
    expect(await text(mf)).toBe("HELLO flarelet 10");
  });

  it("runs a TS entry without exports as a service worker, bindings as globals", async () => {
    const mf = await project(
      { "worker.ts": `declare const NAME: string;\naddEventListener("fetch", (event: FetchEvent) => event.respondWith(new Response(\`sw \${NAME}\`)));` },
      "worker.ts",
      { bindings: { NAME: "flarelet" } },
    );
    expect(await text(mf)).toBe("sw flarelet");
  });
});

describe("bundling: npm packages", () => {
  it("chooses a package's workerd export condition over node", async () => {
    const mf = await project(
      {
        ...pkg("runtime-name", { exports: { node: "./node.js", workerd: "./workerd.js", default: "./default.js" } }, {
          "node.js": `export const runtime = "node";`,
          "workerd.js": `export const runtime = "workerd";`,
          "default.js": `export const runtime = "default";`,
        }),
        "worker.mjs": `import { runtime } from "runtime-name";\nexport default { fetch: () => new Response(runtime) };`,
      },
      "worker.mjs",
    );
    expect(await text(mf)).toBe("workerd");
  });

  it("bundles a CommonJS package that requires a built-in module", async () => {
    const mf = await project(
      {
        ...pkg("uses-builtin", { main: "index.js" }, {
          "index.js": `const things = require("flarelet:things"); exports.answer = () => things.answer;`,
        }),
        "worker.mjs": `import { answer } from "uses-builtin";\nexport default { fetch: () => new Response(String(answer())) };`,
      },
      "worker.mjs",
      { plugins: [{ name: "things", setup: () => ({ modules: { "flarelet:things": { answer: 42 } } }) }] },
    );
    expect(await text(mf)).toBe("42");
  });
});

describe("bundling: module rules", () => {
  const WASM = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]); // an empty module

  it("imports Text, Data and CompiledWasm files as their rule says, from a bundled entry", async () => {
    const mf = await project(
      {
        "src/index.ts": `import page from "../assets/page.html";
import note from "./note.txt";
import query from "./query.sql";
import data from "./data.bin";
import wasm from "./empty.wasm";
export default {
  fetch: () => Response.json({
    page, note, query,
    data: [data instanceof ArrayBuffer, new Uint8Array(data).join(",")],
    wasm: wasm instanceof WebAssembly.Module,
  }),
};`,
        "assets/page.html": "<p>hi</p>",
        "src/note.txt": "a note",
        "src/query.sql": "SELECT 1",
        "src/data.bin": new Uint8Array([1, 2, 3]),
        "src/empty.wasm": WASM,
      },
      "src/index.ts",
    );
    expect(await (await mf.dispatchFetch()).json()).toEqual({
      page: "<p>hi</p>",
      note: "a note",
      query: "SELECT 1",
      data: [true, "1,2,3"],
      wasm: true,
    });
  });

  it("follows the user's rules too", async () => {
    const mf = await project(
      { "src/index.ts": `import text from "./words.md";\nexport default { fetch: () => new Response(text) };`, "src/words.md": "# words" },
      "src/index.ts",
      { modulesRules: [{ type: "Text", include: ["**/*.md"] }] },
    );
    expect(await text(mf)).toBe("# words");
  });
});

describe("bundling: define and alias", () => {
  it("replaces identifiers with define and packages with alias", async () => {
    const mf = await project(
      {
        ...pkg("real-logger", { main: "index.js" }, { "index.js": `export const name = "real";` }),
        "fake-logger.js": `export const name = "fake";`,
        "worker.mjs": `import { name } from "real-logger";\nexport default { fetch: () => new Response(name + " " + __VERSION__ + " " + process.env.MODE) };`,
      },
      "worker.mjs",
      { define: { __VERSION__: '"1.2.3"', "process.env.MODE": '"test"' }, alias: { "real-logger": "./fake-logger.js" } },
    );
    expect(await text(mf)).toBe("fake 1.2.3 test");
  });
});

describe("bundling: bundle: false", () => {
  it("loads files as they are: a package import is ERR_MODULE_NOT_FOUND", async () => {
    const mf = await project(
      { ...pkg("some-package", { main: "index.js" }, { "index.js": `export default 1;` }), "worker.mjs": `import x from "some-package";\nexport default {};` },
      "worker.mjs",
      { bundle: false },
    );
    const error = (await rejectionOf(mf.dispatchFetch())) as FlareletError;
    expect(error.code).toBe("ERR_MODULE_NOT_FOUND");
  });

  it("refuses a TypeScript entry, saying that bundling is off", async () => {
    const mf = await project({ "worker.ts": `export default {};` }, "worker.ts", { bundle: false });
    const error = (await rejectionOf(mf.dispatchFetch())) as FlareletError;
    expect(error.code).toBe("ERR_MODULE_RULE");
    expect(error.message).toBe(`${path.join(tmp.path, "worker.ts")} needs compiling by a bundler, and bundling is off (bundle: false, --no-bundle, no_bundle).`);
  });
});

describe("bundling: errors and rebuilds", () => {
  it("reports esbuild's error with file, line and the code frame (ERR_BUILD)", async () => {
    const mf = await project({ "src/index.ts": `export default {\n  fetch() { return new Response(1 +); },\n};\n` }, "src/index.ts");
    const error = (await rejectionOf(mf.dispatchFetch())) as FlareletError;
    expect(error.code).toBe("ERR_BUILD");
    expect(error.message).toContain(`Could not bundle ${path.join(tmp.path, "src/index.ts")} (1 error):`);
    expect(error.message).toContain("src/index.ts:2:35:");
    expect(error.message).toContain("fetch() { return new Response(1 +); },");
  });

  it("rebuilds on reload(), lists every input of the bundle, and keeps the last good version on a build error", async () => {
    const mf = await project(
      {
        "src/index.ts": `import { word } from "./word";\nexport default { fetch: () => new Response(word) };`,
        "src/word.ts": `export const word: string = "one";`,
      },
      "src/index.ts",
    );
    const loads: ReloadEvent[] = [];
    mf.addEventListener("reload", (event) => loads.push(event as ReloadEvent));
    expect(await text(mf)).toBe("one");
    expect([...loads[0]!.files].sort()).toEqual([path.join(tmp.path, "src/index.ts"), path.join(tmp.path, "src/word.ts")]);

    await writeFile(path.join(tmp.path, "src/word.ts"), `export const word: string = "two";`);
    await mf.reload();
    expect(await text(mf)).toBe("two");

    await writeFile(path.join(tmp.path, "src/word.ts"), `export const word: string = ;`);
    const error = (await rejectionOf(mf.reload())) as FlareletError;
    expect(error.code).toBe("ERR_BUILD");
    expect(await text(mf)).toBe("two");
  });
});
