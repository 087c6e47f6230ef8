/** wrangler.toml and .env parsing, and the precedence between them (src/config/*). */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FlareletError } from "@flarelet/core";
import { parseDotEnv } from "../src/config/dotenv.js";
import { resolveConfig } from "../src/config/resolve.js";
import { parseWranglerConfig } from "../src/config/wrangler.js";
import { useTempDir } from "./helpers.js";

const tmp = useTempDir();

describe("parseWranglerConfig", () => {
  it("reads main (against the toml's folder), compatibility settings and vars; ignores other keys", () => {
    const config = parseWranglerConfig(
      `name = "app"\nmain = "src/index.mjs"\ncompatibility_date = "2024-01-01"\ncompatibility_flags = ["a", "b"]\nworkers_dev = true\n[vars]\nS = "s"\nN = 1.5\nB = true\nT = { x = [1, 2] }\nD = 1979-05-27T07:32:00Z\n`,
      "/project/wrangler.toml",
    );
    expect(config).toEqual({
      file: "/project/wrangler.toml",
      main: "/project/src/index.mjs",
      compatibilityDate: "2024-01-01",
      compatibilityFlags: ["a", "b"],
      vars: { S: "s", N: 1.5, B: true, T: { x: [1, 2] }, D: "1979-05-27T07:32:00.000Z" },
      ignoredKeys: ["name", "workers_dev"],
    });
    // Ordinary objects, not the parser's null-prototype ones.
    expect(Object.getPrototypeOf(config.vars.T)).toBe(Object.prototype);
  });

  it("an [env.NAME] inherits main and compatibility settings, but not vars (as wrangler)", () => {
    const toml = `main = "a.mjs"\ncompatibility_date = "2024-01-01"\n[vars]\nX = "top"\n[env.staging]\ncompatibility_date = "2024-06-01"\n[env.staging.vars]\nY = "staging"\n[env.bare]\n`;
    expect(parseWranglerConfig(toml, "/p/wrangler.toml", "staging")).toEqual({
      file: "/p/wrangler.toml",
      main: "/p/a.mjs",
      compatibilityDate: "2024-06-01",
      vars: { Y: "staging" },
      ignoredKeys: [],
    });
    expect(parseWranglerConfig(toml, "/p/wrangler.toml", "bare").vars).toEqual({});
  });

  it("a syntax error names the file, line and column and shows the line", () => {
    let error: unknown;
    try {
      parseWranglerConfig(`main = "a.mjs"\n\n[vars]\nX = "unterminated\n`, "/p/wrangler.toml");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(FlareletError);
    expect((error as FlareletError).code).toBe("ERR_CONFIG");
    expect((error as Error).message).toMatch(/^Cannot parse \/p\/wrangler\.toml:4:\d+: /);
    expect((error as Error).message).toContain(`X = "unterminated`);
    expect((error as Error & { cause: unknown }).cause).toBeDefined();
  });

  it.each([
    [`main = 1`, "main must be a string"],
    [`compatibility_date = 2024-01-01`, "compatibility_date must be a quoted string"],
    [`compatibility_flags = "a"`, "compatibility_flags must be an array of strings"],
    [`vars = "x"`, "vars must be a table"],
  ])("%s is refused: %s", (toml, message) => {
    expect(() => parseWranglerConfig(toml, "/p/wrangler.toml")).toThrow(message);
  });

  it("an unknown environment lists the known ones, or says there are none", () => {
    expect(() => parseWranglerConfig(`[env.a]\n[env.b]\n`, "/p/wrangler.toml", "c")).toThrow("has no [env.c] section; it defines: a, b.");
    expect(() => parseWranglerConfig(``, "/p/wrangler.toml", "c")).toThrow("(it defines no environments)");
  });
});

describe("readWranglerConfig (public)", () => {
  it("reads a file as Miniflare does, main resolved against its folder, through the package's index", async () => {
    const { readWranglerConfig } = await import("../src/index.js");
    const file = await tmp.write("app/wrangler.toml", `main = "src/index.ts"\n[env.ci]\ncompatibility_date = "2024-02-02"\n`);
    expect(readWranglerConfig(file)).toMatchObject({ file, main: path.join(tmp.path, "app/src/index.ts"), vars: {} });
    expect(readWranglerConfig(file, "ci").compatibilityDate).toBe("2024-02-02");
  });

  it("a missing file is an ERR_CONFIG naming it", async () => {
    const { readWranglerConfig } = await import("../src/index.js");
    const missing = path.join(tmp.path, "nope.toml");
    expect(() => readWranglerConfig(missing)).toThrow(expect.objectContaining({ code: "ERR_CONFIG", message: expect.stringContaining(missing) }));
  });
});

describe("parseDotEnv", () => {
  it("parses comments, quotes, export and multi-line values into plain strings", () => {
    const env = parseDotEnv(`# comment\nA=1\nexport B=two\nC="quoted # not a comment"\nD='single'\nE="multi\nline"\nEMPTY=\n`);
    expect(env).toEqual({ A: "1", B: "two", C: "quoted # not a comment", D: "single", E: "multi\nline", EMPTY: "" });
    expect(Object.getPrototypeOf(env)).toBe(Object.prototype);
  });
});

describe("resolveConfig", () => {
  it("explicit options beat .env beat wrangler.toml; the script option beats main", async () => {
    await tmp.write("wrangler.toml", `main = "toml.mjs"\ncompatibility_date = "2024-01-01"\ncompatibility_flags = ["f"]\n[vars]\nK = "toml"\nT = "toml"\n`);
    await tmp.write(".env", "K=env\nE=env\n");
    const base = { rootPath: tmp.path, envPath: true, wranglerConfigPath: true } as const;
    const fromFiles = resolveConfig(base);
    expect(fromFiles.core).toMatchObject({
      scriptPath: `${tmp.path}/toml.mjs`,
      compatibilityDate: "2024-01-01",
      compatibilityFlags: ["f"],
      bindings: { K: "env", T: "toml", E: "env" },
    });
    const explicit = resolveConfig({ ...base, scriptPath: "flag.mjs", compatibilityDate: "2025-01-01", compatibilityFlags: [], bindings: { K: "flag" } });
    expect(explicit.core).toMatchObject({
      scriptPath: "flag.mjs",
      compatibilityDate: "2025-01-01",
      compatibilityFlags: [],
      bindings: { K: "flag", T: "toml", E: "env" },
    });
    expect(fromFiles.configFiles).toEqual([
      `${tmp.path}/wrangler.json`,
      `${tmp.path}/wrangler.jsonc`,
      `${tmp.path}/wrangler.toml`,
      `${tmp.path}/.env`,
      `${tmp.path}/.dev.vars`,
    ]);
  });

  it("an inline script beats main too", async () => {
    await tmp.write("wrangler.toml", `main = "toml.mjs"\n`);
    expect(resolveConfig({ rootPath: tmp.path, wranglerConfigPath: true, script: "x" }).core.scriptPath).toBeUndefined();
  });

  it("true means the default file in rootPath, and a missing one is skipped but still watched", () => {
    const config = resolveConfig({ rootPath: tmp.path, envPath: true, wranglerConfigPath: true });
    expect(config.wrangler).toBeUndefined();
    expect(config.core.bindings).toEqual({});
    expect(config.configFiles).toEqual([
      `${tmp.path}/wrangler.json`,
      `${tmp.path}/wrangler.jsonc`,
      `${tmp.path}/wrangler.toml`,
      `${tmp.path}/.env`,
      `${tmp.path}/.dev.vars`,
    ]);
  });

  it("without config options no file is read and every core option is present (to clear on merge)", async () => {
    await tmp.write(".env", "K=env\n");
    const config = resolveConfig({ rootPath: tmp.path });
    expect(config.configFiles).toEqual([]);
    expect(Object.keys(config.core).sort()).toEqual(
      ["alias", "bindings", "bundle", "compatibilityDate", "compatibilityFlags", "define", "globals", "modules", "modulesRules", "rootPath", "script", "scriptPath"].sort(),
    );
    expect(config.core.bindings).toBeUndefined();
  });
});
