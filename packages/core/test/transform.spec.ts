/**
 * The ES-module rewriter (src/modules/transform.ts, with scope.ts deciding what a name refers to), as a
 * table: module source → the script it becomes. Each row's `lines` are the output's lines with trailing
 * spaces removed; the first is the wrapper's header (imports, export getters, `yield`), the last closes it.
 * modules.spec.ts runs real module graphs; this file pins the rewrite itself.
 */
import { parse } from "acorn";
import { describe, expect, it } from "vitest";
import { transformModule } from "../src/modules/transform.js";

const parseModule = (source: string) => parse(source, { ecmaVersion: "latest", sourceType: "module" }) as never;

const HEAD = '(async function* (__flarelet_module) {"use strict";';
const IMPORT_0 = "const __flarelet_i0 = __flarelet_module.import(0);";

interface Row {
  source: string;
  lines: string[];
  requests?: string[];
  starExports?: number[];
  dynamicRequests?: string[];
}

const TABLE: Record<string, Row> = {
  "a named import becomes a live read of the namespace": {
    source: 'import { a } from "./x.mjs";\nexport const b = a + 1;',
    lines: [`${HEAD} ${IMPORT_0} __flarelet_module.export({ "b": () => b }); yield;`, "", "       const b = __flarelet_i0.a + 1;", "})"],
    requests: ["./x.mjs"],
  },
  "a call through an import keeps `this` undefined": {
    source: 'import x from "./d.mjs";\nx();',
    lines: [`${HEAD} ${IMPORT_0} __flarelet_module.export({  }); yield;`, "", "(0, __flarelet_i0.default)();", "})"],
    requests: ["./d.mjs"],
  },
  "a namespace import reads the namespace itself": {
    source: 'import * as ns from "./x.mjs";\nns.a;',
    lines: [`${HEAD} ${IMPORT_0} __flarelet_module.export({  }); yield;`, "", "__flarelet_i0.a;", "})"],
    requests: ["./x.mjs"],
  },
  "a shorthand property keeps its key": {
    source: 'import { a } from "./x.mjs";\nconst o = { a };',
    lines: [`${HEAD} ${IMPORT_0} __flarelet_module.export({  }); yield;`, "", "const o = { a: __flarelet_i0.a };", "})"],
    requests: ["./x.mjs"],
  },
  "two imports of one module share its namespace": {
    source: 'import { a } from "./x.mjs";\nimport { b } from "./x.mjs";\na + b;',
    lines: [`${HEAD} ${IMPORT_0} __flarelet_module.export({  }); yield;`, "", "", "__flarelet_i0.a + __flarelet_i0.b;", "})"],
    requests: ["./x.mjs"],
  },
  "names a nested scope shadows are left alone (parameter, catch binding, local let)": {
    source: 'import { a } from "./x.mjs";\nfunction g(a) { return a; }\ntry {} catch (a) { a; }\nlet f = () => { let a = 1; return a; };',
    lines: [
      `${HEAD} ${IMPORT_0} __flarelet_module.export({  }); yield;`,
      "",
      "function g(a) { return a; }",
      "try {} catch (a) { a; }",
      "let f = () => { let a = 1; return a; };",
      "})",
    ],
    requests: ["./x.mjs"],
  },
  "exported declarations get getters, so an export let stays live": {
    source: "export let count = 0;\nexport function inc() { count++; }",
    lines: [`${HEAD} __flarelet_module.export({ "count": () => count, "inc": () => inc }); yield;`, "       let count = 0;", "       function inc() { count++; }", "})"],
  },
  "an export list may rename": {
    source: "export class C {}\nexport { C as D };",
    lines: [`${HEAD} __flarelet_module.export({ "C": () => C, "D": () => C }); yield;`, "       class C {}", "", "})"],
  },
  "a named default function keeps its name": {
    source: "export default function f() {}",
    lines: [`${HEAD} __flarelet_module.export({ "default": () => f }); yield;`, "               function f() {}", "})"],
  },
  "a default expression gets a reserved local": {
    source: "export default 42;",
    lines: [`${HEAD} __flarelet_module.export({ "default": () => __flarelet_default }); yield;`, "const __flarelet_default = 42;", "})"],
  },
  "a re-export reads the other module's namespace": {
    source: 'export { a as b } from "./x.mjs";',
    lines: [`${HEAD} ${IMPORT_0} __flarelet_module.export({ "b": () => __flarelet_i0.a }); yield;`, "", "})"],
    requests: ["./x.mjs"],
  },
  "export * is left to the graph to link": {
    source: 'export * from "./s.mjs";',
    lines: [`${HEAD} ${IMPORT_0} __flarelet_module.export({  }); yield;`, "", "})"],
    requests: ["./s.mjs"],
    starExports: [0],
  },
  "import() of a string literal is known ahead": {
    source: 'const m = await import("./dyn.mjs");',
    lines: [`${HEAD} __flarelet_module.export({  }); yield;`, 'const m = await __flarelet_module.dynamicImport("./dyn.mjs");', "})"],
    dynamicRequests: ["./dyn.mjs"],
  },
  "import.meta is the module's": {
    source: "console.log(import.meta.url);",
    lines: [`${HEAD} __flarelet_module.export({  }); yield;`, "console.log(__flarelet_module.meta.url);", "})"],
  },
};

describe("transformModule: source → rewritten", () => {
  it.each(Object.entries(TABLE))("%s", (_, row) => {
    const result = transformModule(row.source, parseModule);
    expect(result.code.split("\n").map((line) => line.trimEnd())).toEqual(row.lines);
    expect(result.requests.map((request) => request.specifier)).toEqual(row.requests ?? []);
    expect(result.starExports).toEqual(row.starExports ?? []);
    expect(result.dynamicRequests).toEqual(row.dynamicRequests ?? []);
  });

  it("keeps every line of the module on its own line, and blanked text as long as it was", () => {
    for (const row of Object.values(TABLE)) {
      const body = transformModule(row.source, parseModule).code.split("\n").slice(1, -1);
      const source = row.source.split("\n");
      expect(body).toHaveLength(source.length);
      // Lines where only import/export keywords and declarations went keep their length (columns stay).
      body.forEach((line, index) => {
        if (!/__flarelet_/.test(line)) expect(line.length).toBe(source[index]!.length);
      });
    }
  });
});
