/** flareletVitest()'s options: checked in vitest's own process, with messages that name the option. */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cloudflareTest, flareletVitest } from "../src/index.js";
import { toRuntimeOptions } from "../src/options.js";

function rejects(options: unknown, message: string): void {
  expect(() => flareletVitest(options as never)).toThrow(expect.objectContaining({ code: "ERR_INVALID_OPTION", message: expect.stringContaining(message) }));
}

describe("flareletVitest(options)", () => {
  it("is also exported as cloudflareTest, vitest-pool-workers' name", () => {
    expect(cloudflareTest).toBe(flareletVitest);
  });

  it("accepts vitest-pool-workers' main, wrangler and miniflare keys", () => {
    const plugin = flareletVitest({ main: "src/index.ts", wrangler: { configPath: "wrangler.toml", environment: "ci" }, miniflare: { bindings: { A: 1 } } });
    expect(plugin.name).toBe("@flarelet/vitest");
  });

  it.each([
    [{ remoteBindings: true }, `Option "remoteBindings" is not supported: flarelet runs every binding locally`],
    [{ isolatedStorage: false }, `Option "isolatedStorage" is not supported`],
    [{ singleWorker: true }, "every test file gets a worker and storage of its own"],
    [{ mian: "x" }, `Unknown option "mian". Known options: main, wrangler, miniflare.`],
    [{ main: "" }, `Option "main" must be a file path, got "".`],
    [{ wrangler: "wrangler.toml" }, `Option "wrangler" must be an object`],
    [{ wrangler: { path: "x" } }, `Unknown option "wrangler.path". Known: configPath, environment.`],
    [{ wrangler: { environment: "ci" } }, `Option "wrangler.environment" needs "wrangler.configPath".`],
    [{ miniflare: { script: "x" } }, `Option "miniflare.script" cannot be set`],
    [{ miniflare: { bindings: { F: () => 1 } } }, `Option "miniflare.bindings.F" is not a plain JSON value`],
    [{ miniflare: { bindings: { D: new Date() } } }, `Option "miniflare.bindings.D" is not a plain JSON value`],
    [[], "options must be an object"],
  ])("refuses %j", (options, message) => {
    rejects(options, message);
  });
});

describe("toRuntimeOptions", () => {
  it("resolves paths against the project root and carries the wrangler config to flarelet's options", () => {
    const root = path.resolve("/project");
    expect(
      toRuntimeOptions({ wrangler: { configPath: "conf/wrangler.toml", environment: "ci" }, miniflare: { bindings: { A: 1 } } }, root, {
        main: "/project/conf/src/a.ts",
        durableObjects: [{ name: "COUNTER", className: "Counter" }],
      }),
    ).toEqual({
      root,
      main: "/project/conf/src/a.ts",
      durableObjects: [{ binding: "COUNTER", className: "Counter" }],
      miniflare: { bindings: { A: 1 }, wranglerConfigPath: path.join(root, "conf/wrangler.toml"), wranglerConfigEnv: "ci", envPath: true },
    });
  });

  it("reads .dev.vars beside the wrangler config unless miniflare.envPath says otherwise", () => {
    expect(toRuntimeOptions({ wrangler: { configPath: "w.toml" } }, "/p").miniflare.envPath).toBe(true);
    expect(toRuntimeOptions({ wrangler: { configPath: "w.toml" }, miniflare: { envPath: false } }, "/p").miniflare.envPath).toBe(false);
    expect(toRuntimeOptions({}, "/p").miniflare.envPath).toBeUndefined();
  });

  it("an explicit main wins over the wrangler config's", () => {
    expect(toRuntimeOptions({ main: "src/other.ts" }, "/p", { main: "/p/src/index.ts" }).main).toBe(path.resolve("/p/src/other.ts"));
  });

  it("the durableObjects option wins over the wrangler config's bindings, as in flarelet's Miniflare", () => {
    const wrangler = { durableObjects: [{ name: "FROM_TOML", className: "Toml" }] };
    expect(toRuntimeOptions({}, "/p", wrangler).durableObjects).toEqual([{ binding: "FROM_TOML", className: "Toml" }]);
    expect(toRuntimeOptions({ miniflare: { durableObjects: { A: "Alpha", B: { className: "Beta" } } } }, "/p", wrangler).durableObjects).toEqual([
      { binding: "A", className: "Alpha" },
      { binding: "B", className: "Beta" },
    ]);
  });
});
