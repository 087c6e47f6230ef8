/**
 * `FlareletError` and `PluginError` (src/errors.ts), the table of codes in docs/errors.md, and one real
 * scenario per code: every code in the `FlareletErrorCode` union must be documented and must be raised by
 * flarelet the way the table says.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  FlareletError,
  MiniflareCore,
  NoOpLog,
  PluginError,
  type FlareletErrorCode,
  type MiniflareCoreOptions,
} from "@flarelet/core";
import { rejectionOf, thrownBy, useCore, useTempDir } from "./helpers.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const ERRORS_SOURCE = path.join(here, "../src/errors.ts");
const ERRORS_DOC = path.join(here, "../../../docs/errors.md");

const cores = useCore();
const tmp = useTempDir();

/** The codes of the `FlareletErrorCode` union, in source order. */
async function codesInSource(): Promise<string[]> {
  // Comments first: the one-line doc comment of each code may hold quotes and semicolons of its own.
  const source = (await readFile(ERRORS_SOURCE, "utf8")).replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
  const union = /export type FlareletErrorCode =([^;]*);/.exec(source);
  if (union === null) throw new Error(`no FlareletErrorCode union in ${ERRORS_SOURCE}`);
  return [...union[1]!.matchAll(/\|\s*"([A-Z_]+)"/g)].map((match) => match[1]!);
}

/** The codes of the table in docs/errors.md (rows starting "| `ERR_…` |"), in table order. */
async function codesInDoc(): Promise<{ code: string; cells: string[] }[]> {
  const doc = await readFile(ERRORS_DOC, "utf8");
  return doc
    .split("\n")
    .filter((line) => /^\|\s*`ERR_/.test(line))
    .map((line) => {
      const cells = line.split("|").slice(1, -1).map((cell) => cell.trim());
      return { code: cells[0]!.replace(/`/g, ""), cells };
    });
}

describe("docs/errors.md", () => {
  it("lists every FlareletErrorCode, once each, in the order of the union, and nothing else", async () => {
    const source = await codesInSource();
    const doc = await codesInDoc();
    expect(source.length).toBeGreaterThan(10);
    expect(doc.map((row) => row.code)).toEqual(source);
  });

  it("gives every code a meaning and what to do", async () => {
    for (const { code, cells } of await codesInDoc()) {
      expect(cells, code).toHaveLength(3);
      expect(cells[1]!.length, `${code}: meaning`).toBeGreaterThan(20);
      expect(cells[2]!.length, `${code}: what to do`).toBeGreaterThan(10);
    }
  });

  it("lists only codes that flarelet's source raises", async () => {
    // Every flarelet package raises codes from this one union (the flarelet package raises ERR_CONFIG).
    const packagesDir = path.join(here, "../..");
    const { readdir } = await import("node:fs/promises");
    // Only each package's src/ is read: walking packages/ whole also walks every node_modules, which took
    // past the test's timeout on a loaded machine.
    const files: string[] = [];
    for (const pkg of await readdir(packagesDir)) {
      const src = path.join(pkg, "src");
      const entries = await readdir(path.join(packagesDir, src), { recursive: true }).catch(() => []);
      for (const entry of entries) {
        const file = path.join(src, entry);
        if (file.endsWith(".ts") && file !== path.join("core", "src", "errors.ts")) files.push(file);
      }
    }
    expect(files.length).toBeGreaterThan(50);
    const sources = await Promise.all(files.map((file) => readFile(path.join(packagesDir, file), "utf8")));
    const errorsSource = (await readFile(ERRORS_SOURCE, "utf8")).replace(/\/\*[\s\S]*?\*\//g, "");
    const all = sources.join("\n") + errorsSource.replace(/export type FlareletErrorCode =[^;]*;/, "");
    for (const code of await codesInSource()) expect(all, code).toContain(`"${code}"`);
  });
});

describe("FlareletError", () => {
  it("carries code, cause and a name of the form `Class [CODE]`", () => {
    const cause = new Error("underlying");
    const error = new FlareletError("ERR_NO_SCRIPT", "message", { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe("ERR_NO_SCRIPT");
    expect(error.message).toBe("message");
    expect(error.cause).toBe(cause);
    expect(error.name).toBe("FlareletError [ERR_NO_SCRIPT]");
    expect(String(error.stack)).toMatch(/^FlareletError \[ERR_NO_SCRIPT\]: message\n/);
  });

  it("names a subclass after itself", () => {
    class CustomError extends FlareletError<"ERR_CUSTOM"> {}
    expect(new CustomError("ERR_CUSTOM", "x").name).toBe("CustomError [ERR_CUSTOM]");
  });
});

describe("PluginError", () => {
  it("names the plugin and hook, keeps the cause and prefixes the message", () => {
    const cause = new RangeError("bad value");
    const error = new PluginError("my-plugin", "beforeReload", cause);
    expect(error).toBeInstanceOf(FlareletError);
    expect([error.code, error.plugin, error.hook, error.cause]).toEqual(["ERR_PLUGIN_HOOK", "my-plugin", "beforeReload", cause]);
    expect(error.message).toBe("[plugin my-plugin] beforeReload() failed: bad value");
    expect(error.name).toBe("PluginError [ERR_PLUGIN_HOOK]");
  });
});

/** How each code arises through the public API. Each resolves to what flarelet threw. */
const scenarios: Record<Exclude<FlareletErrorCode, "ERR_CONFIG">, () => Promise<unknown>> = {
  ERR_NO_SCRIPT: () => rejectionOf(cores.create({}).dispatchFetch()),
  ERR_SCRIPT_NOT_FOUND: () => rejectionOf(cores.create({ rootPath: tmp.path, scriptPath: "missing.js" }).dispatchFetch()),
  ERR_SCRIPT_SYNTAX: () => rejectionOf(cores.create({ script: "addEventListener(" }).dispatchFetch()),
  ERR_SCRIPT_EVALUATION: () => rejectionOf(cores.create({ script: `throw new Error("top")` }).dispatchFetch()),
  ERR_MODULE_NOT_FOUND: () =>
    rejectionOf(cores.create({ modules: true, rootPath: tmp.path, script: `import "./missing.mjs";` }).dispatchFetch()),
  ERR_MODULE_RULE: async () => {
    await tmp.write("data.unknown", "");
    return rejectionOf(cores.create({ modules: true, rootPath: tmp.path, script: `import "./data.unknown";` }).dispatchFetch());
  },
  ERR_BUILD: () =>
    rejectionOf(cores.create({ rootPath: tmp.path, script: `import x from "no-such-package";\nexport default {};` }).dispatchFetch()),
  ERR_NO_HANDLER: () => rejectionOf(cores.create({ modules: true, script: `export default {};` }).dispatchFetch()),
  ERR_NO_RESPONSE: () =>
    rejectionOf(
      cores.create({ script: `addEventListener("fetch", () => {});` }).dispatchFetch("http://127.0.0.1:9/", {
        headers: { "x-flarelet-forwarded": "1" },
      }),
    ),
  ERR_INVALID_RESPONSE: () => rejectionOf(cores.create({ modules: true, script: `export default { fetch: () => 1 };` }).dispatchFetch()),
  ERR_INVALID_OPTION: async () => thrownBy(() => new MiniflareCore({ scriptpath: "x" } as MiniflareCoreOptions)),
  ERR_COMPATIBILITY: () => rejectionOf(cores.create({ script: "", compatibilityDate: "soon" }).dispatchFetch()),
  ERR_INVALID_PLUGIN: async () => thrownBy(() => new MiniflareCore({ log: new NoOpLog(), plugins: [{ name: "" }] })),
  ERR_PLUGIN_HOOK: () =>
    rejectionOf(
      cores.create({ script: "", plugins: [{ name: "p", setup: () => { throw new Error("x"); } }] }).dispatchFetch(),
    ),
  ERR_GLOBAL_CONFLICT: () =>
    rejectionOf(cores.create({ script: "", plugins: [{ name: "p", setup: () => ({ globals: { Response: 1 } }) }] }).dispatchFetch()),
  ERR_MODULE_CONFLICT: () =>
    rejectionOf(
      cores.create({ script: "", plugins: [{ name: "p", setup: () => ({ modules: { "cloudflare:workers": {} } }) }] }).dispatchFetch(),
    ),
  ERR_BINDING_CONFLICT: () =>
    rejectionOf(
      cores
        .create({
          script: "",
          plugins: [
            { name: "a", setup: () => ({ bindings: { B: 1 } }) },
            { name: "b", setup: () => ({ bindings: { B: 2 } }) },
          ],
        })
        .dispatchFetch(),
    ),
  ERR_DISPOSED: async () => {
    const mf = cores.create({ script: "" });
    await mf.dispose();
    return rejectionOf(mf.dispatchFetch());
  },
  ERR_RELOADED: async () => {
    const mf = cores.create({ modules: true, script: `export default { fetch: () => scheduler.wait(60_000).then(() => new Response("late")) };` });
    const inFlight = rejectionOf(mf.dispatchFetch());
    await mf.getGlobalScope(); // loaded, so the request is in the worker's hands
    await mf.reload();
    return inFlight;
  },
};

/** Codes raised outside core; their packages' tests cover them (packages/flarelet/test/config.spec.ts). */
const RAISED_BY_OTHER_PACKAGES = new Set<string>(["ERR_CONFIG"]);

describe("FlareletErrorCode: every code arises as documented", () => {
  it("has a scenario for every code in the union that core itself raises", async () => {
    const raisedByCore = (await codesInSource()).filter((code) => !RAISED_BY_OTHER_PACKAGES.has(code));
    expect(Object.keys(scenarios)).toEqual(raisedByCore);
  });

  it.each(Object.keys(scenarios) as (keyof typeof scenarios)[])("%s", async (code) => {
    const error = await scenarios[code]();
    expect(error).toBeInstanceOf(FlareletError);
    expect((error as FlareletError).code).toBe(code);
    expect((error as FlareletError).name).toMatch(new RegExp(` \\[${code}\\]$`));
  });
});

describe("load errors", () => {
  it("ERR_NO_SCRIPT says which options to give", async () => {
    const error = (await rejectionOf(cores.create({}).dispatchFetch())) as FlareletError;
    expect(error.message).toBe(
      "No script to run: give the script or scriptPath option (on the command line, a script path or main in wrangler.toml).",
    );
  });

  it("ERR_SCRIPT_NOT_FOUND names the resolved path and keeps the fs error as cause", async () => {
    const error = (await rejectionOf(cores.create({ rootPath: tmp.path, scriptPath: "sub/missing.mjs" }).dispatchFetch())) as FlareletError;
    expect(error.code).toBe("ERR_SCRIPT_NOT_FOUND");
    expect(error.message).toMatch(new RegExp(`^Cannot read script ${escape(path.join(tmp.path, "sub/missing.mjs"))}: ENOENT`));
    expect((error.cause as NodeJS.ErrnoException).code).toBe("ENOENT");
  });

  it("ERR_SCRIPT_SYNTAX in a module names file:line:col and shows the line", async () => {
    const file = await tmp.write("worker.mjs", `export default {\n  fetch() {\n    return new Response("x" +);\n  },\n};\n`);
    const error = (await rejectionOf(cores.create({ modules: true, rootPath: tmp.path, scriptPath: "worker.mjs" }).dispatchFetch())) as FlareletError;
    expect(error.code).toBe("ERR_SCRIPT_SYNTAX");
    expect(error.message).toBe(
      `Syntax error in ${file}:3:30: Unexpected token\n` +
        `  3 |     return new Response("x" +);\n` +
        `    |                              ^`,
    );
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it("ERR_SCRIPT_SYNTAX in a service-worker script names file:line:col and shows the line", async () => {
    const file = await tmp.write("worker.js", `addEventListener("fetch", (event) => {\n  event.respondWith(new Response("x" +));\n});\n`);
    const error = (await rejectionOf(cores.create({ rootPath: tmp.path, scriptPath: "worker.js" }).dispatchFetch())) as FlareletError;
    expect(error.code).toBe("ERR_SCRIPT_SYNTAX");
    expect(error.message).toBe(
      `Syntax error in ${file}:2:39: Unexpected token ')'\n` +
        `  2 |   event.respondWith(new Response("x" +));\n` +
        `    |                                       ^`,
    );
  });

  it("ERR_SCRIPT_SYNTAX for a modules worker loaded without modules: true hints at the option", async () => {
    const error = (await rejectionOf(cores.create({ modules: false, script: `export default { fetch() {} };` }).dispatchFetch())) as FlareletError;
    expect(error.code).toBe("ERR_SCRIPT_SYNTAX");
    expect(error.message).toMatch(/^Syntax error in <script>:1:1: Unexpected token 'export'\n/);
    expect(error.message).toMatch(
      /\nThis looks like a modules-format worker: set the modules option \(--modules on the command line\)\.$/,
    );
  });

  it("ERR_SCRIPT_EVALUATION keeps what the top level threw as cause, in both formats", async () => {
    const modules = cores.create({
      modules: true,
      script: `globalThis.thrown = new TypeError("top-level failure");\nthrow globalThis.thrown;\nexport default {};`,
    });
    const sw = cores.create({ script: `throw "a string";` });
    const moduleError = (await rejectionOf(modules.dispatchFetch())) as FlareletError;
    const swError = (await rejectionOf(sw.dispatchFetch())) as FlareletError;
    expect(moduleError.code).toBe("ERR_SCRIPT_EVALUATION");
    expect(moduleError.message).toBe("Uncaught TypeError: top-level failure while evaluating <script>");
    expect((moduleError.cause as Error).message).toBe("top-level failure");
    expect((moduleError.cause as Error).stack).toContain("<script>:1:");
    expect(swError.code).toBe("ERR_SCRIPT_EVALUATION");
    expect(swError.message).toBe("Uncaught a string while evaluating <script>");
    expect(swError.cause).toBe("a string");
  });

  it("ERR_SCRIPT_EVALUATION for a rejected top-level await in an imported module", async () => {
    await tmp.write("dep.mjs", `await Promise.reject(new Error("awaited failure"));`);
    const error = (await rejectionOf(
      cores.create({ modules: true, rootPath: tmp.path, script: `import "./dep.mjs";\nexport default { fetch: () => new Response("") };` }).dispatchFetch(),
    )) as FlareletError;
    expect(error.code).toBe("ERR_SCRIPT_EVALUATION");
    expect((error.cause as Error).message).toBe("awaited failure");
  });

  it("ERR_NO_HANDLER for a service-worker script that registers no listener", async () => {
    const error = (await rejectionOf(cores.create({ script: `const nothing = 1;` }).dispatchFetch())) as FlareletError;
    expect(error.code).toBe("ERR_NO_HANDLER");
    expect(error.message).toBe(
      "No event handlers were registered. This script does nothing. (<script>; a modules-format worker needs the modules option)",
    );
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
