/**
 * The wrangler configuration as wrangler reads it (src/config/): wrangler.json, .jsonc and .toml in that
 * order, comments in JSONC, [env.NAME] inheritance, rules / no_bundle / define / alias / [build] into
 * Miniflare's options, .dev.vars, and the keys flarelet ignores.
 */
import { describe, expect, it } from "vitest";
import { FlareletError } from "@flarelet/core";
import { resolveConfig } from "../src/config/resolve.js";
import { parseWranglerConfig } from "../src/config/wrangler.js";
import { Log, LogLevel, Miniflare, NoOpLog } from "../src/index.js";
import { onCleanup, useTempDir } from "./helpers.js";

const tmp = useTempDir();

const JSONC = `// wrangler.jsonc, as "npm create cloudflare" writes it
{
  "$schema": "node_modules/wrangler/config-schema.json",
  "name": "my-worker", /* a block comment */
  "main": "src/index.ts",
  "compatibility_date": "2025-01-01",
  "vars": { "URL": "https://example.com/a//b", "QUOTE": "not a // comment" },
  "rules": [{ "type": "Text", "globs": ["**/*.md"], "fallthrough": true },],
  "define": { "__DEBUG__": "true" },
  "alias": { "old-lib": "./shim.js" },
  "no_bundle": false,
  "build": { "command": "npm run build", "watch_dir": ["src", "lib"] },
  "durable_objects": { "bindings": [{ "name": "COUNTER", "class_name": "Counter" }] },
  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Counter"] }],
  "kv_namespaces": [{ "binding": "KV", "id": "abc" }],
  "limits": { "cpu_ms": 50 },
  "env": {
    "staging": {
      "vars": { "STAGE": "staging" },
      "compatibility_flags": ["nodejs_compat"],
    },
  },
}
`;

describe("wrangler.jsonc", () => {
  it("reads comments and trailing commas, and every key flarelet uses", () => {
    const config = parseWranglerConfig(JSONC, "/p/wrangler.jsonc");
    expect(config).toEqual({
      file: "/p/wrangler.jsonc",
      main: "/p/src/index.ts",
      compatibilityDate: "2025-01-01",
      vars: { URL: "https://example.com/a//b", QUOTE: "not a // comment" },
      rules: [{ type: "Text", include: ["**/*.md"], fallthrough: true }],
      define: { __DEBUG__: "true" },
      alias: { "old-lib": "./shim.js" },
      noBundle: false,
      build: { command: "npm run build", cwd: "/p", watchDirs: ["/p/src", "/p/lib"] },
      durableObjects: [{ name: "COUNTER", className: "Counter" }],
      migrations: [{ tag: "v1", new_sqlite_classes: ["Counter"] }],
      kvNamespaces: [{ binding: "KV", id: "abc" }],
      limits: { cpuMs: 50 },
      ignoredKeys: ["name"],
    });
  });

  it("[env.staging] inherits main, rules, build and alias, but not vars, define or bindings", () => {
    const config = parseWranglerConfig(JSONC, "/p/wrangler.jsonc", "staging");
    expect(config).toMatchObject({
      main: "/p/src/index.ts",
      compatibilityDate: "2025-01-01",
      compatibilityFlags: ["nodejs_compat"],
      vars: { STAGE: "staging" },
      rules: [{ type: "Text", include: ["**/*.md"], fallthrough: true }],
      alias: { "old-lib": "./shim.js" },
      build: { command: "npm run build" },
      migrations: [{ tag: "v1", new_sqlite_classes: ["Counter"] }],
    });
    expect(config.define).toBeUndefined();
    expect(config.durableObjects).toBeUndefined();
    expect(config.kvNamespaces).toBeUndefined();
  });

  it("a syntax error names the file, line and column", () => {
    let error: unknown;
    try {
      parseWranglerConfig(`{\n  // comment\n  "main": "a.mjs"\n  "vars": {}\n}`, "/p/wrangler.jsonc");
    } catch (caught) {
      error = caught;
    }
    expect((error as FlareletError).code).toBe("ERR_CONFIG");
    expect((error as Error).message).toMatch(/^Cannot parse \/p\/wrangler\.jsonc:4:3: /);
    expect((error as Error).message).toContain(`4 |   "vars": {}`);
  });

  it("refuses wrong types with the key's name", () => {
    expect(() => parseWranglerConfig(`{ "define": { "X": 1 } }`, "/p/wrangler.json")).toThrow("define must be a table of strings");
    expect(() => parseWranglerConfig(`{ "rules": [{ "type": "Text" }] }`, "/p/wrangler.json")).toThrow("each rule needs a type and an array of globs");
    expect(() => parseWranglerConfig(`no_bundle = "yes"`, "/p/wrangler.toml")).toThrow("no_bundle must be true or false");
  });
});

describe("resolveConfig: files and precedence", () => {
  it("looks for wrangler.json, then wrangler.jsonc, then wrangler.toml, as wrangler does", async () => {
    await tmp.write("wrangler.toml", `main = "toml.mjs"\n`);
    expect(resolveConfig({ rootPath: tmp.path, wranglerConfigPath: true }).core.scriptPath).toBe(`${tmp.path}/toml.mjs`);
    await tmp.write("wrangler.jsonc", `{ "main": "jsonc.mjs" } // wins over the toml`);
    expect(resolveConfig({ rootPath: tmp.path, wranglerConfigPath: true }).core.scriptPath).toBe(`${tmp.path}/jsonc.mjs`);
    await tmp.write("wrangler.json", `{ "main": "json.mjs" }`);
    expect(resolveConfig({ rootPath: tmp.path, wranglerConfigPath: true }).core.scriptPath).toBe(`${tmp.path}/json.mjs`);
  });

  it("maps rules, no_bundle, define and alias to the options, which win when given", async () => {
    await tmp.write("wrangler.toml", `no_bundle = true\n[define]\nA = "1"\n[alias]\nx = "./y.js"\n[[rules]]\ntype = "Text"\nglobs = ["**/*.md"]\n`);
    const config = resolveConfig({ rootPath: tmp.path, wranglerConfigPath: true });
    expect(config.core).toMatchObject({ bundle: false, define: { A: "1" }, alias: { x: "./y.js" }, modulesRules: [{ type: "Text", include: ["**/*.md"] }] });
    const explicit = resolveConfig({ rootPath: tmp.path, wranglerConfigPath: true, bundle: true, define: {}, modulesRules: [] });
    expect(explicit.core).toMatchObject({ bundle: true, define: {}, modulesRules: [] });
  });

  it("reads .dev.vars like .env, over it, and marks their values as secrets", async () => {
    await tmp.write("wrangler.toml", `[vars]\nPUBLIC = "shown"\nTOKEN = "from-toml"\n`);
    await tmp.write(".env", "TOKEN=from-env\nENV_ONLY=1\n");
    await tmp.write(".dev.vars", "TOKEN=from-dev-vars\n");
    const config = resolveConfig({ rootPath: tmp.path, wranglerConfigPath: true, envPath: true, bindings: { ENV_ONLY: "flag" } });
    expect(config.core.bindings).toEqual({ PUBLIC: "shown", TOKEN: "from-dev-vars", ENV_ONLY: "flag" });
    expect(config.secrets.sort()).toEqual(["TOKEN"]);
  });

  it("reads .dev.vars.<env> instead of .dev.vars for an environment that has one", async () => {
    await tmp.write("wrangler.toml", `[env.staging]\n`);
    await tmp.write(".dev.vars", "TOKEN=default\n");
    await tmp.write(".dev.vars.staging", "TOKEN=staging\n");
    expect(resolveConfig({ rootPath: tmp.path, wranglerConfigPath: true, envPath: true, wranglerConfigEnv: "staging" }).core.bindings).toEqual({ TOKEN: "staging" });
    expect(resolveConfig({ rootPath: tmp.path, wranglerConfigPath: true, envPath: true }).core.bindings).toEqual({ TOKEN: "default" });
  });
});

describe("Miniflare: configuration in use", () => {
  it("serves [env.staging] from a wrangler.jsonc with comments, .dev.vars included", async () => {
    await tmp.write("wrangler.jsonc", `{\n  // the worker\n  "main": "worker.mjs",\n  "vars": { "STAGE": "top" },\n  "env": { "staging": { "vars": { "STAGE": "staging" } } },\n}\n`);
    await tmp.write(".dev.vars", `SECRET="s3cret"\n`);
    await tmp.write("worker.mjs", `export default { fetch: (request, env) => new Response(env.STAGE + " " + env.SECRET) };`);
    const mf = new Miniflare({ rootPath: tmp.path, wranglerConfigPath: true, envPath: true, wranglerConfigEnv: "staging", log: new NoOpLog() });
    onCleanup(() => mf.dispose());
    expect(await (await mf.dispatchFetch()).text()).toBe("staging s3cret");
  });

  it("logs the keys it ignores in one debug line", async () => {
    await tmp.write("wrangler.toml", `name = "app"\nmain = "worker.mjs"\nworkers_dev = true\n[triggers]\ncrons = []\n`);
    await tmp.write("worker.mjs", `export default { fetch: () => new Response("ok") };`);
    const lines: string[] = [];
    const mf = new Miniflare({ rootPath: tmp.path, wranglerConfigPath: true, log: new Log(LogLevel.DEBUG, { write: (line) => lines.push(line), colour: false }) });
    onCleanup(() => mf.dispose());
    await mf.dispatchFetch();
    expect(lines.filter((line) => line.includes("not used by flarelet"))).toEqual([
      `[flarelet:dbg] ${tmp.path}/wrangler.toml: not used by flarelet: name, workers_dev, triggers`,
    ]);
  });

  it("runs [build] command before the first load and again on reload()", async () => {
    const build = `node -e "const fs=require('fs');const n=(fs.existsSync('count')?+fs.readFileSync('count','utf8'):0)+1;fs.writeFileSync('count',String(n));fs.mkdirSync('dist',{recursive:true});fs.writeFileSync('dist/worker.mjs','export default { fetch: () => new Response(\\\\'build '+n+'\\\\') };')"`;
    await tmp.write("wrangler.toml", `main = "dist/worker.mjs"\n[build]\ncommand = ${JSON.stringify(build)}\n`);
    const mf = new Miniflare({ rootPath: tmp.path, wranglerConfigPath: true, log: new NoOpLog() });
    onCleanup(() => mf.dispose());
    expect(await (await mf.dispatchFetch()).text()).toBe("build 1");
    await mf.reload();
    expect(await (await mf.dispatchFetch()).text()).toBe("build 2");
  });

  it("a failing [build] command fails reload() with ERR_BUILD and keeps the last good version", async () => {
    await tmp.write("worker.mjs", `export default { fetch: () => new Response("good") };`);
    const mf = new Miniflare({ rootPath: tmp.path, scriptPath: "worker.mjs", buildCommand: "node -e \"process.exit(process.env.FAIL ? 3 : 0)\"", log: new NoOpLog() });
    onCleanup(() => mf.dispose());
    expect(await (await mf.dispatchFetch()).text()).toBe("good");
    await mf.setOptions({ buildCommand: "exit 3" }).catch(() => {});
    const error = (await mf.reload().then(() => undefined, (caught: unknown) => caught)) as FlareletError;
    expect(error.code).toBe("ERR_BUILD");
    expect(error.message).toMatch(/^The custom build command "exit 3" \(in .*\) exited with code 3\.$/);
    expect(await (await mf.dispatchFetch()).text()).toBe("good");
  });
});
