/**
 * Modules-format workers: the ES module transform (src/modules/transform.ts, scope.ts) and the module graph
 * (src/modules/graph.ts, rules.ts), exercised through real files on disk and `MiniflareCore`.
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { FlareletError, type MiniflareCoreOptions } from "@flarelet/core";
import { rejectionOf, useCore, useTempDir } from "./helpers.js";

const tmp = useTempDir();
const cores = useCore();

/** Writes `files` into the temp folder and loads `worker.mjs` from it as a modules worker. */
async function load(files: Record<string, string | Uint8Array>, options: MiniflareCoreOptions = {}) {
  for (const [name, contents] of Object.entries(files)) await tmp.write(name, contents);
  return cores.create({ modules: true, rootPath: tmp.path, scriptPath: "worker.mjs", ...options });
}

/** Loads the files and returns the JSON body of one request. */
async function fetchJson(files: Record<string, string | Uint8Array>, options?: MiniflareCoreOptions): Promise<unknown> {
  const mf = await load(files, options);
  return (await mf.dispatchFetch()).json();
}

const respond = (expression: string): string =>
  `export default { fetch: () => Response.json(${expression}) };`;

describe("modules: relative imports", () => {
  it("imports from ./, ../ and nested folders", async () => {
    expect(
      await fetchJson({
        "worker.mjs": `import { greet } from "./src/greet.mjs";\n${respond("greet('you')")}`,
        "src/greet.mjs": `import { punctuate } from "../lib/text/punctuate.mjs";\nexport function greet(name) { return punctuate("hello " + name); }`,
        "lib/text/punctuate.mjs": `import { MARK } from "./marks/mark.mjs";\nexport const punctuate = (text) => text + MARK;`,
        "lib/text/marks/mark.mjs": `export const MARK = "!";`,
      }),
    ).toBe("hello you!");
  });

  it("evaluates a module imported twice only once", async () => {
    expect(
      await fetchJson({
        "worker.mjs": `import "./a.mjs"; import "./b.mjs"; import { count } from "./counter.mjs";\n${respond("count()")}`,
        "a.mjs": `import { bump } from "./counter.mjs"; bump();`,
        "b.mjs": `import { bump } from "./counter.mjs"; bump();`,
        "counter.mjs": `globalThis.evaluations = (globalThis.evaluations ?? 0) + 1;
          let n = 0; export function bump() { n++; } export function count() { return [n, globalThis.evaluations]; }`,
      }),
    ).toEqual([2, 1]);
  });

  it("evaluates dependencies first, in import order", async () => {
    expect(
      await fetchJson({
        "worker.mjs": `import "./first.mjs"; import "./second.mjs"; globalThis.order.push("worker");\n${respond("globalThis.order")}`,
        "first.mjs": `import "./shared.mjs"; globalThis.order.push("first");`,
        "second.mjs": `import "./shared.mjs"; globalThis.order.push("second");`,
        "shared.mjs": `globalThis.order = ["shared"];`,
      }),
    ).toEqual(["shared", "first", "second", "worker"]);
  });
});

describe("modules: live bindings", () => {
  it("lets the importer see an exported let mutated by an exported function", async () => {
    expect(
      await fetchJson({
        "worker.mjs": `import { n, increment } from "./counter.mjs";
          const before = n; increment(); increment();
          ${respond("[before, n]")}`,
        "counter.mjs": `export let n = 0;\nexport function increment() { n += 1; }`,
      }),
    ).toEqual([0, 2]);
  });

  it("keeps namespace imports live too", async () => {
    expect(
      await fetchJson({
        "worker.mjs": `import * as counter from "./counter.mjs";
          counter.increment();
          ${respond("[counter.n, Object.keys(counter).sort(), Object.prototype.toString.call(counter)]")}`,
        "counter.mjs": `export let n = 10;\nexport function increment() { n += 1; }`,
      }),
    ).toEqual([11, ["increment", "n"], "[object Module]"]);
  });

  it("refuses to assign to an imported binding", async () => {
    expect(
      await fetchJson({
        "worker.mjs": `import { n } from "./counter.mjs";
          let message;
          try { n = 5; } catch (error) { message = error.constructor.name; }
          ${respond("message")}`,
        "counter.mjs": `export let n = 0;`,
      }),
    ).toBe("TypeError");
  });

  it("calls an imported function with this undefined", async () => {
    expect(
      await fetchJson({
        "worker.mjs": `import { whoIsThis } from "./this.mjs";
          import * as ns from "./this.mjs";
          ${respond("[whoIsThis(), ns.whoIsThis() === 'namespace' || ns.whoIsThis()]")}`,
        "this.mjs": `export function whoIsThis() { return this === undefined ? "undefined" : typeof this === "object" && Object.prototype.toString.call(this) === "[object Module]" ? "namespace" : String(this); }`,
      }),
    ).toEqual(["undefined", true]);
  });

  it("calls an imported tag function with this undefined", async () => {
    expect(
      await fetchJson({
        "worker.mjs": `import { tag } from "./tag.mjs";\n${respond("tag`x`")}`,
        "tag.mjs": `export function tag(strings) { return [this === undefined, strings[0]]; }`,
      }),
    ).toEqual([true, "x"]);
  });

  it("does not rewrite a name that a nested scope shadows", async () => {
    expect(
      await fetchJson({
        "worker.mjs": `import { x } from "./a.mjs";
          function parameter(x) { return x; }
          function local() { const x = "local"; return x; }
          function block() { { let x = "block"; return x; } }
          function destructured({ x }) { return x; }
          const arrow = (x) => x;
          function caught() { try { throw "caught"; } catch (x) { return x; } }
          function loop() { for (const x of ["loop"]) return x; }
          function hoisted() { return x; var x = "never"; }
          class Named { x() { return x; } }
          ${respond(`[parameter("param"), local(), block(), destructured({ x: "destructured" }), arrow("arrow"),
            caught(), loop(), hoisted(), new Named().x(), { x }]`)}`,
        "a.mjs": `export const x = "imported";`,
      }),
    ).toEqual(["param", "local", "block", "destructured", "arrow", "caught", "loop", null, "imported", { x: "imported" }]);
  });
});

describe("modules: cycles", () => {
  it("lets a module in a cycle call a hoisted function of a module that has not run yet", async () => {
    expect(
      await fetchJson({
        "worker.mjs": `import { fromB } from "./b.mjs";
          export function hoisted() { return "hoisted from worker"; }
          ${respond("fromB")}`,
        "b.mjs": `import { hoisted } from "./worker.mjs";\nexport const fromB = hoisted();`,
      }),
    ).toBe("hoisted from worker");
  });

  it("throws a ReferenceError for a let read in a cycle before it is initialised", async () => {
    expect(
      await fetchJson({
        "worker.mjs": `import { early } from "./b.mjs";
          export let late = "late";
          ${respond("early")}`,
        "b.mjs": `import { late } from "./worker.mjs";
          let result;
          try { result = late; } catch (error) { result = error.constructor.name; }
          export const early = result;`,
      }),
    ).toBe("ReferenceError");
  });
});

describe("modules: export forms", () => {
  it("re-exports with export * from, skipping default", async () => {
    expect(
      await fetchJson({
        "worker.mjs": `import * as all from "./index.mjs";\n${respond("Object.keys(all).sort()")}`,
        "index.mjs": `export * from "./one.mjs";\nexport * from "./two.mjs";\nexport const own = 0;`,
        "one.mjs": `export const a = 1;\nexport default "one";`,
        "two.mjs": `export const b = 2;\nexport const own = "shadowed by index";`,
      }),
    ).toEqual(["a", "b", "own"]);
  });

  it("leaves out a name that two export * clauses both provide", async () => {
    expect(
      await fetchJson({
        "worker.mjs": `import * as all from "./index.mjs";\n${respond("Object.keys(all).sort()")}`,
        "index.mjs": `export * from "./one.mjs";\nexport * from "./two.mjs";`,
        "one.mjs": `export const a = 1;\nexport const clash = 1;`,
        "two.mjs": `export const b = 2;\nexport const clash = 2;`,
      }),
    ).toEqual(["a", "b"]);
  });

  it("keeps export * from live", async () => {
    expect(
      await fetchJson({
        "worker.mjs": `import { n, increment } from "./index.mjs";\nincrement();\n${respond("n")}`,
        "index.mjs": `export * from "./counter.mjs";`,
        "counter.mjs": `export let n = 0;\nexport function increment() { n++; }`,
      }),
    ).toBe(1);
  });

  it("re-exports a namespace with export * as", async () => {
    expect(
      await fetchJson({
        "worker.mjs": `import { util } from "./index.mjs";\n${respond("[util.double(4), Object.keys(util)]")}`,
        "index.mjs": `export * as util from "./util.mjs";`,
        "util.mjs": `export const double = (n) => n * 2;`,
      }),
    ).toEqual([8, ["double"]]);
  });

  it("renames with export { a as b } from and export { local as name }", async () => {
    expect(
      await fetchJson({
        "worker.mjs": `import { b, renamedLocal, "string name" as stringName } from "./index.mjs";\n${respond("[b, renamedLocal, stringName]")}`,
        "index.mjs": `export { a as b } from "./a.mjs";
          const local = "local";
          export { local as renamedLocal, local as "string name" };`,
        "a.mjs": `export const a = "a";`,
      }),
    ).toEqual(["a", "local", "local"]);
  });

  it("re-exports an imported binding", async () => {
    expect(
      await fetchJson({
        "worker.mjs": `import { value, other } from "./index.mjs";\n${respond("[value, other]")}`,
        "index.mjs": `import value, { a } from "./a.mjs";\nexport { value, a as other };`,
        "a.mjs": `export const a = "named";\nexport default "default";`,
      }),
    ).toEqual(["default", "named"]);
  });

  it("exports destructured declarations", async () => {
    expect(
      await fetchJson({
        "worker.mjs": `import { a, b, rest } from "./a.mjs";\n${respond("[a, b, rest]")}`,
        "a.mjs": `export const { a, nested: [b], ...rest } = { a: 1, nested: [2], c: 3 };`,
      }),
    ).toEqual([1, 2, { c: 3 }]);
  });

  it("exports a default object", async () => {
    expect(
      await fetchJson({
        "worker.mjs": `import config from "./config.mjs";\n${respond("config")}`,
        "config.mjs": `export default { answer: 42 };`,
      }),
    ).toEqual({ answer: 42 });
  });

  it('names an anonymous default function, arrow and class "default"', async () => {
    expect(
      await fetchJson({
        "worker.mjs": `import fn from "./fn.mjs"; import asyncFn from "./async-fn.mjs"; import arrow from "./arrow.mjs"; import Cls from "./class.mjs";
          ${respond("[fn.name, asyncFn.name, arrow.name, Cls.name, fn(), new Cls().value]")}`,
        "fn.mjs": `export default function () { return "called"; }`,
        "async-fn.mjs": `export default async function /* comment ( */ () {}`,
        "arrow.mjs": `export default () => {};`,
        "class.mjs": `export default class { value = "instance"; }`,
      }),
    ).toEqual(["default", "default", "default", "default", "called", "instance"]);
  });

  it("keeps the name of a named default function and class", async () => {
    expect(
      await fetchJson({
        "worker.mjs": `import fn from "./fn.mjs"; import Cls from "./class.mjs";\n${respond("[fn.name, Cls.name]")}`,
        "fn.mjs": `export default function named() {}`,
        "class.mjs": `export default class Named {}`,
      }),
    ).toEqual(["named", "Named"]);
  });

  it("hoists an anonymous default function, so that a cycle can call it", async () => {
    expect(
      await fetchJson({
        "worker.mjs": `import { fromB } from "./a.mjs";\n${respond("fromB")}`,
        "a.mjs": `import { fromB } from "./b.mjs";\nexport default function () { return "default ran"; }\nexport { fromB };`,
        "b.mjs": `import run from "./a.mjs";\nexport const fromB = run();`,
      }),
    ).toBe("default ran");
  });
});

describe("modules: module-only syntax", () => {
  it("gives import.meta.url the file URL of each module", async () => {
    const urls = (await fetchJson({
      "worker.mjs": `import { url } from "./sub/a.mjs";\n${respond("[import.meta.url, url]")}`,
      "sub/a.mjs": `export const url = import.meta.url;`,
    })) as string[];
    expect(urls).toEqual([
      pathToFileURL(path.join(tmp.path, "worker.mjs")).href,
      pathToFileURL(path.join(tmp.path, "sub/a.mjs")).href,
    ]);
  });

  it("supports dynamic import() of ES modules and text", async () => {
    expect(
      await fetchJson({
        "worker.mjs": `export default { async fetch() {
          const { value } = await import("./lazy.mjs");
          const again = await import("./lazy.mjs");
          const name = "./" + "note.txt";
          const note = await import(name);
          return Response.json([value, again.value, note.default, globalThis.lazyRuns]);
        } };`,
        "lazy.mjs": `globalThis.lazyRuns = (globalThis.lazyRuns ?? 0) + 1;\nexport const value = "lazy";`,
        "note.txt": "a note",
      }),
    ).toEqual(["lazy", "lazy", "a note", 1]);
  });

  it("rejects a dynamic import() of a missing module with ERR_MODULE_NOT_FOUND", async () => {
    expect(
      await fetchJson({
        "worker.mjs": `export default { async fetch() {
          try { await import("./missing.mjs"); return Response.json("loaded"); }
          catch (error) { return Response.json([error.code, error.message.includes("missing.mjs")]); }
        } };`,
      }),
    ).toEqual(["ERR_MODULE_NOT_FOUND", true]);
  });

  it("supports top-level await, in the main module and in dependencies", async () => {
    expect(
      await fetchJson({
        "worker.mjs": `import { slow } from "./slow.mjs";
          const mine = await Promise.resolve("main awaited");
          ${respond("[slow, mine]")}`,
        "slow.mjs": `export const slow = await (async () => { await null; return "dependency awaited"; })();`,
      }),
    ).toEqual(["dependency awaited", "main awaited"]);
  });

  it("refuses a top-level await that does not settle at start-up, with workerd's error; the last good version serves on", async () => {
    await tmp.write("worker.mjs", `export default { fetch: () => new Response("first version") };`);
    const mf = cores.create({ modules: true, rootPath: tmp.path, scriptPath: "worker.mjs" });
    expect(await (await mf.dispatchFetch()).text()).toBe("first version");
    await tmp.write("worker.mjs", `await new Promise(() => {});\nexport default { fetch: () => new Response("never") };`);
    const error = (await rejectionOf(mf.reload())) as FlareletError;
    expect(error.code).toBe("ERR_SCRIPT_EVALUATION");
    expect(error.message).toBe(
      `Uncaught Error: Top-level await in module is unsettled. while evaluating ${path.join(tmp.path, "worker.mjs")}\n` +
        "A top-level await may only wait for promises that settle at start-up: not for a timer, I/O, or a promise that never settles.",
    );
    expect(await (await mf.dispatchFetch()).text()).toBe("first version");
    // Awaiting a timer fails earlier: workerd refuses setTimeout at the top level.
    await tmp.write("worker.mjs", `await new Promise((resolve) => setTimeout(resolve, 1));\nexport default { fetch: () => new Response("never") };`);
    const timerError = (await rejectionOf(mf.reload())) as FlareletError;
    expect(timerError.message).toMatch(/^Uncaught Error: Disallowed operation called within global scope\./);
    expect(await (await mf.dispatchFetch()).text()).toBe("first version");
  });

  it("accepts a hashbang line", async () => {
    expect(await fetchJson({ "worker.mjs": `#!/usr/bin/env node\n${respond('"hashbang"')}` })).toBe("hashbang");
  });

  it("runs modules in strict mode, with this undefined at the top level", async () => {
    expect(
      await fetchJson({
        "worker.mjs": `const topLevelThis = this;\n${respond("[topLevelThis === undefined, (function () { return this === undefined; })()]")}`,
      }),
    ).toEqual([true, true]);
  });
});

describe("modules: other module types", () => {
  it("loads CommonJS (.cjs) modules that require each other", async () => {
    expect(
      await fetchJson({
        "worker.mjs": `import lib, { double } from "./lib.cjs";\n${respond("[lib.name, double(21), lib.fromHelper]")}`,
        "lib.cjs": `const helper = require("./helper.cjs");\nexports.name = "lib";\nexports.double = (n) => n * 2;\nexports.fromHelper = helper.value;`,
        "helper.cjs": `module.exports = { value: "helper" };`,
      }),
    ).toEqual(["lib", 42, "helper"]);
  });

  it("gives a CommonJS module's objects the worker's prototypes", async () => {
    expect(
      await fetchJson({
        "worker.mjs": `import lib from "./lib.cjs";\n${respond("[lib instanceof Object, Object.getPrototypeOf(lib) === Object.prototype]")}`,
        "lib.cjs": `exports.a = 1;`,
      }),
    ).toEqual([true, true]);
  });

  it("imports a .txt file as a string (Text)", async () => {
    expect(
      await fetchJson({
        "worker.mjs": `import text from "./hello.txt";\n${respond("[typeof text, text]")}`,
        "hello.txt": "hello\nworld",
      }),
    ).toEqual(["string", "hello\nworld"]);
  });

  it("imports a .bin file as an ArrayBuffer of the worker's realm (Data)", async () => {
    expect(
      await fetchJson({
        "worker.mjs": `import data from "./bytes.bin";\n${respond("[data instanceof ArrayBuffer, Object.getPrototypeOf(data) === ArrayBuffer.prototype, [...new Uint8Array(data)]]")}`,
        "bytes.bin": new Uint8Array([0, 1, 254, 255]),
      }),
    ).toEqual([true, true, [0, 1, 254, 255]]);
  });

  it("applies modulesRules before the defaults", async () => {
    expect(
      await fetchJson(
        {
          "worker.mjs": `import template from "./page.tmpl";\n${respond("template")}`,
          "page.tmpl": "<p>{{ x }}</p>",
        },
        { modulesRules: [{ type: "Text", include: ["**/*.tmpl"] }] },
      ),
    ).toBe("<p>{{ x }}</p>");
  });

  it("treats a module that matches no rule as ERR_MODULE_RULE", async () => {
    const mf = await load({ "worker.mjs": `import x from "./data.xyz";\n${respond("x")}`, "data.xyz": "?" });
    const error = await rejectionOf(mf.dispatchFetch());
    expect(error).toBeInstanceOf(FlareletError);
    expect((error as FlareletError).code).toBe("ERR_MODULE_RULE");
    expect((error as Error).message).toContain('No module rule matches "data.xyz"');
  });
});

describe("modules: stack traces", () => {
  it("reports the line of the module file that threw", async () => {
    const mf = await load({
      "worker.mjs": [
        `import {`, // lines 1-3: a multi-line import, blanked by the transform, must not shift lines
        `  unused,`,
        `} from "./other.mjs";`,
        `export default {`,
        `  fetch(request) {`,
        `    if (request.url.endsWith("/six")) throw new Error("line 6");`,
        `    throw new Error("line 7");`,
        `  },`,
        `};`,
      ].join("\n"),
      "other.mjs": `export const unused = 1;`,
    });
    const file = path.join(tmp.path, "worker.mjs");
    const atSeven = (await rejectionOf(mf.dispatchFetch())) as Error;
    expect(atSeven.stack).toContain(`${file}:7:11`);
    const atSix = (await rejectionOf(mf.dispatchFetch("http://localhost/six"))) as Error;
    expect(atSix.stack).toContain(`${file}:6:`);
  });

  it("reports the line in an imported module", async () => {
    const mf = await load({
      "worker.mjs": `import { fail } from "./lib/fail.mjs";\nexport default { fetch: () => fail() };`,
      "lib/fail.mjs": `// comment\n\nexport function fail() {\n  throw new Error("line 4");\n}`,
    });
    const error = (await rejectionOf(mf.dispatchFetch())) as Error;
    expect(error.stack).toContain(`${path.join(tmp.path, "lib/fail.mjs")}:4:`);
  });
});

describe("modules: resolution errors", () => {
  it("names the importing file and the missing module", async () => {
    const mf = await load({ "worker.mjs": `import { x } from "./sub/missing.mjs";\n${respond("x")}` });
    const error = (await rejectionOf(mf.dispatchFetch())) as FlareletError;
    expect(error).toBeInstanceOf(FlareletError);
    expect(error.code).toBe("ERR_MODULE_NOT_FOUND");
    expect(error.message).toContain(path.join(tmp.path, "sub", "missing.mjs"));
    expect(error.message).toContain(`imported from ${path.join(tmp.path, "worker.mjs")}`);
  });

  it("explains that bare specifiers need bundling, with bundle: false", async () => {
    const mf = await load({ "worker.mjs": `import lodash from "lodash";\n${respond("1")}` }, { bundle: false });
    const error = (await rejectionOf(mf.dispatchFetch())) as FlareletError;
    expect(error.code).toBe("ERR_MODULE_NOT_FOUND");
    expect(error.message).toBe(
      `No such module "lodash" (imported from ${path.join(tmp.path, "worker.mjs")}). ` +
        "flarelet resolves relative imports (./, ../) only: bundle package imports first, e.g. with wrangler or esbuild.",
    );
  });

  it("names the nodejs_compat flag for a Node.js built-in without it", async () => {
    const mf = await load({ "worker.mjs": `import fs from "node:fs";\n${respond("1")}` });
    const error = (await rejectionOf(mf.dispatchFetch())) as FlareletError;
    expect(error.code).toBe("ERR_MODULE_NOT_FOUND");
    expect(error.message).toContain('No such module "node:fs"');
    expect(error.message).toContain("Node.js built-in modules need the nodejs_compat compatibility flag");
  });

  it("reports a syntax error in an imported module with its file, line and column", async () => {
    const mf = await load({
      "worker.mjs": `import { x } from "./broken.mjs";\n${respond("x")}`,
      "broken.mjs": `export const x = 1;\nexport const y = ;`,
    });
    const error = (await rejectionOf(mf.dispatchFetch())) as FlareletError;
    expect(error.code).toBe("ERR_SCRIPT_SYNTAX");
    expect(error.message).toMatch(new RegExp(`^Syntax error in ${escape(path.join(tmp.path, "broken.mjs"))}:2:18: `));
  });
});

describe("modules: inline script", () => {
  it("resolves relative imports of a script option against rootPath", async () => {
    await tmp.write("util.mjs", `export const util = "from rootPath";`);
    const mf = cores.create({
      modules: true,
      rootPath: tmp.path,
      script: `import { util } from "./util.mjs";\n${respond("[util, import.meta.url]")}`,
    });
    expect(await (await mf.dispatchFetch()).json()).toEqual(["from rootPath", "<script>"]);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
