/**
 * `flareletVitest(options)` (also exported as `cloudflareTest`, vitest-pool-workers' name): the one call in
 * `vitest.config.ts`. A vite plugin that
 *
 * - puts the runtime's setup file first in `test.setupFiles`, which starts each test file's worker;
 * - turns vitest's process-per-file isolation off unless the config asks for it (the runtime isolates files);
 * - resolves `cloudflare:test` and `cloudflare:workers` to the runtime's modules;
 * - loads text, data and Wasm imports by wrangler's module rules (module-rules.ts);
 * - hands the resolved options (worker entry, wrangler config, flarelet options) to the test processes.
 */
import { readWranglerConfig } from "flarelet";
import path from "node:path";
// vitest/config adds `test` to vite's config and `configureVitest` to its plugins (type augmentation only).
import type {} from "vitest/config";
import type { Vite, VitestPluginContext } from "vitest/node";
import type { ModuleRule } from "@flarelet/core";
import { flareletExternals, OWN_DIR } from "./externals.js";
import { ModuleRuleLoader } from "./module-rules.js";
import { PROVIDE_KEY, toRuntimeOptions, validateOptions, type FlareletVitestOptions } from "./options.js";

/** The built runtime beside this file (`.ts` when vitest runs this package from its sources). */
const EXTENSION = path.extname(new URL(import.meta.url).pathname);
const runtimeFile = (name: string) => path.join(OWN_DIR, EXTENSION === ".ts" ? "runtime" : "bundle", `${name}${EXTENSION}`);

export const SETUP_FILE = runtimeFile("setup");

/** The modules that the `cloudflare:` specifiers of tests and workers resolve to. */
export const BUILTIN_MODULES: Readonly<Record<string, string>> = {
  "cloudflare:test": runtimeFile("cloudflare-test"),
  "cloudflare:workers": runtimeFile("cloudflare-workers"),
};

export function flareletVitest(options: FlareletVitestOptions = {}): Vite.Plugin {
  validateOptions(options);
  let moduleRules: ModuleRuleLoader | undefined;
  return {
    name: "@flarelet/vitest",
    // Before vite's own resolution, which would take `cloudflare:` for a URL scheme.
    enforce: "pre",
    config(config) {
      const test = (config.test ??= {});
      const setupFiles = test.setupFiles === undefined ? [] : Array.isArray(test.setupFiles) ? test.setupFiles : [test.setupFiles];
      // First, so that the user's own setup files already see the Workers globals and `env`.
      test.setupFiles = [SETUP_FILE, ...setupFiles.filter((file: string) => file !== SETUP_FILE)];
      // Each test file gets a fresh worker, env, storage and module graph from the runtime itself
      // (test-file.ts), so vitest need not start a process per file: that costs more than everything else
      // a small test file does. `isolate: true` in the config brings vitest's own isolation back.
      test.isolate ??= false;
      const deps = ((test.server ??= {}).deps ??= {});
      deps.external = [...(deps.external ?? []), ...flareletExternals()];
    },
    configureVitest({ project }: VitestPluginContext) {
      const root = project.config.root;
      const { configPath, environment } = options.wrangler ?? {};
      const wrangler = configPath === undefined ? undefined : readWranglerConfig(path.resolve(root, configPath), environment);
      project.provide(PROVIDE_KEY, toRuntimeOptions(options, root, wrangler));
      moduleRules = new ModuleRuleLoader(root, (options.miniflare?.modulesRules as ModuleRule[] | undefined) ?? wrangler?.rules);
    },
    resolveId(id) {
      return BUILTIN_MODULES[id];
    },
    load(id) {
      return moduleRules?.load(id);
    },
  };
}
