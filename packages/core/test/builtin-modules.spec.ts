/**
 * Built-in modules contributed by plugins (`setup()` → `modules`): every form of import resolves to them,
 * and two plugins giving one specifier is an ERR_MODULE_CONFLICT naming both (src/modules/builtins.ts,
 * src/plugin-runner.ts).
 */
import { describe, expect, it } from "vitest";
import { FlareletError, ReloadEvent, type Plugin } from "@flarelet/core";
import { jsonWorker, rejectionOf, useCore, useTempDir } from "./helpers.js";

const cores = useCore();
const tmp = useTempDir();

class Thing {
  constructor(readonly label: string) {}
}

const thingsPlugin: Plugin = {
  name: "things",
  setup: () => ({
    modules: {
      "flarelet:things": { default: "the default", makeThing: (label: string) => new Thing(label), Thing, answer: 42 },
    },
  }),
};

describe("SetupResult.modules", () => {
  it("resolves static, namespace, default and dynamic imports of a plugin's module", async () => {
    const mf = cores.create({
      modules: true,
      plugins: [thingsPlugin],
      script: jsonWorker(
        `const dynamic = await import("flarelet:things");
        return {
          fallback, answer, label: makeThing("x").label, isThing: makeThing("y") instanceof Thing,
          keys: Object.keys(ns).sort(), tag: Object.prototype.toString.call(ns), same: dynamic === ns,
          extensible: Object.isExtensible(ns),
        };`,
        `import fallback, { answer, makeThing, Thing } from "flarelet:things";\nimport * as ns from "flarelet:things";`,
      ),
    });
    expect(await (await mf.dispatchFetch()).json()).toEqual({
      fallback: "the default",
      answer: 42,
      label: "x",
      isThing: true,
      keys: ["Thing", "answer", "default", "makeThing"],
      tag: "[object Module]",
      same: true,
      extensible: false,
    });
  });

  it("gives require() of the module from CommonJS its default export", async () => {
    await tmp.write("dep.cjs", `const things = require("flarelet:things"); module.exports = things;`);
    const mf = cores.create({
      modules: true,
      rootPath: tmp.path,
      plugins: [thingsPlugin],
      script: jsonWorker(`return { value: dep };`, `import dep from "./dep.cjs";`),
    });
    expect(await (await mf.dispatchFetch()).json()).toEqual({ value: "the default" });
  });

  it("does not list a built-in module among the files the worker read", async () => {
    const script = await tmp.write("w.mjs", jsonWorker("return 1;", `import "flarelet:things";`));
    const mf = cores.create({ modules: true, plugins: [thingsPlugin], rootPath: tmp.path, scriptPath: script });
    await mf.getGlobalScope();
    const loads: (readonly string[])[] = [];
    mf.addEventListener("reload", (event) => loads.push((event as ReloadEvent).files));
    await mf.reload();
    expect(loads).toEqual([[script]]);
  });

  it("refuses a second plugin giving the same specifier, naming both", async () => {
    const copy: Plugin = { name: "copycat", setup: () => ({ modules: { "flarelet:things": {} } }) };
    const error = (await rejectionOf(cores.create({ script: "", plugins: [thingsPlugin, copy] }).dispatchFetch())) as FlareletError;
    expect(error).toBeInstanceOf(FlareletError);
    expect(error.code).toBe("ERR_MODULE_CONFLICT");
    expect(error.message).toBe(
      'Plugins "things" and "copycat" both contribute the module "flarelet:things". ' +
        'If "copycat" means to replace it, list it in its overrides: ["flarelet:things"].',
    );
  });

  it("lets a later plugin replace a module it lists in overrides", async () => {
    const replacement: Plugin = { name: "better", overrides: ["flarelet:things"], setup: () => ({ modules: { "flarelet:things": { answer: 43 } } }) };
    const mf = cores.create({
      modules: true,
      plugins: [thingsPlugin, replacement],
      script: jsonWorker(`return ns;`, `import * as ns from "flarelet:things";`),
    });
    expect(await (await mf.dispatchFetch()).json()).toEqual({ answer: 43 });
  });

  it("refuses cloudflare:workers from a plugin: core provides it", async () => {
    const error = (await rejectionOf(
      cores.create({ script: "", plugins: [{ name: "p", setup: () => ({ modules: { "cloudflare:workers": {} } }) }] }).dispatchFetch(),
    )) as FlareletError;
    expect(error.code).toBe("ERR_MODULE_CONFLICT");
    expect(error.message).toMatch(/^Plugins "core" and "p" both contribute the module "cloudflare:workers"\./);
  });

  it("refuses a module that is not an object of exports", async () => {
    const error = (await rejectionOf(
      cores.create({ script: "", plugins: [{ name: "p", setup: () => ({ modules: { "flarelet:x": 1 as never } }) }] }).dispatchFetch(),
    )) as FlareletError;
    expect(error.code).toBe("ERR_INVALID_PLUGIN");
    expect(error.message).toBe('Plugin "p": setup() returned modules["flarelet:x"] that is not an object of exports.');
  });

  it("says a cloudflare: module nobody provides does not exist", async () => {
    const error = (await rejectionOf(
      cores.create({ modules: true, script: `import { connect } from "cloudflare:nothing";\nexport default {};` }).dispatchFetch(),
    )) as FlareletError;
    expect(error.code).toBe("ERR_MODULE_NOT_FOUND");
    expect(error.message).toBe('No such module "cloudflare:nothing" (imported from <script>). flarelet does not provide this module.');
  });
});
