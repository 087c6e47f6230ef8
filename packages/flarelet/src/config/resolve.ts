/**
 * Where a `Miniflare` instance's settings come from, and which wins:
 *
 *     explicit options (CLI flags)  >  .env  >  wrangler.toml
 *
 * - script: `script`/`scriptPath` (the CLI's positional) > wrangler.toml `main` (resolved against the toml's
 *   folder, as wrangler does);
 * - bindings, key by key: `bindings` (`--binding`) > `.env` > wrangler.toml `vars`;
 * - `compatibilityDate`/`compatibilityFlags` (`--compat-date`/`--compat-flag`) > wrangler.toml.
 *
 * `envPath: true` means `<rootPath>/.env` and `wranglerConfigPath: true` means `<rootPath>/wrangler.toml`;
 * both are optional then (a missing file is skipped). A path given explicitly must exist.
 *
 * Files are read synchronously: this runs in the `Miniflare` constructor, which is synchronous like
 * `MiniflareCore`'s, and reads at most two small files.
 */
import type { MiniflareCoreOptions } from "@flarelet/core";
import { readFileSync } from "node:fs";
import path from "node:path";
import { configError, type MiniflareOptions } from "../options.js";
import { parseDotEnv } from "./dotenv.js";
import { parseWranglerConfig, type WranglerConfig } from "./wrangler.js";

export const DEFAULT_ENV_FILE = ".env";
export const DEFAULT_WRANGLER_FILE = "wrangler.toml";

/** Every option core knows except the fixed ones; each is set (to undefined if absent) so that merges clear it. */
export type ResolvedCoreOptions = Required<{
  [K in Exclude<keyof MiniflareCoreOptions, "plugins" | "log">]: MiniflareCoreOptions[K] | undefined;
}>;

export interface ResolvedConfig {
  core: ResolvedCoreOptions;
  /** The config files that were read (absolute), or would be read if they appeared: for watching. */
  configFiles: string[];
  /** The wrangler.toml that was read, if any. */
  wrangler: WranglerConfig | undefined;
}

export function resolveConfig(options: MiniflareOptions): ResolvedConfig {
  const rootPath = path.resolve(options.rootPath ?? process.cwd());
  const configFiles: string[] = [];

  let wrangler: WranglerConfig | undefined;
  const wranglerFile = configFile(options.wranglerConfigPath, DEFAULT_WRANGLER_FILE, rootPath);
  if (wranglerFile !== undefined) {
    configFiles.push(wranglerFile.path);
    const text = readConfigFile(wranglerFile.path, wranglerFile.required, "wranglerConfigPath");
    if (text !== undefined) wrangler = parseWranglerConfig(text, wranglerFile.path, options.wranglerConfigEnv);
  }
  if (options.wranglerConfigEnv !== undefined && wrangler === undefined) {
    throw configError(`wranglerConfigEnv "${options.wranglerConfigEnv}" needs a wrangler.toml, and none was read (set wranglerConfigPath, -c on the command line).`);
  }

  let dotEnv: Record<string, string> = {};
  const envFile = configFile(options.envPath, DEFAULT_ENV_FILE, rootPath);
  if (envFile !== undefined) {
    configFiles.push(envFile.path);
    const text = readConfigFile(envFile.path, envFile.required, "envPath");
    if (text !== undefined) dotEnv = parseDotEnv(text);
  }

  const explicitScript = options.script !== undefined || options.scriptPath !== undefined;
  const hasBindings = wrangler !== undefined || envFile !== undefined || options.bindings !== undefined;

  const core: ResolvedCoreOptions = {
    script: options.script,
    scriptPath: explicitScript ? options.scriptPath : wrangler?.main,
    modules: options.modules,
    modulesRules: options.modulesRules,
    bundle: options.bundle,
    define: options.define,
    alias: options.alias,
    rootPath: options.rootPath,
    bindings: hasBindings ? { ...wrangler?.vars, ...dotEnv, ...options.bindings } : undefined,
    globals: options.globals,
    compatibilityDate: options.compatibilityDate ?? wrangler?.compatibilityDate,
    compatibilityFlags: options.compatibilityFlags ?? wrangler?.compatibilityFlags,
  };
  return { core, configFiles, wrangler };
}

function configFile(
  option: boolean | string | undefined,
  defaultName: string,
  rootPath: string,
): { path: string; required: boolean } | undefined {
  if (option === undefined || option === false) return undefined;
  if (option === true) return { path: path.join(rootPath, defaultName), required: false };
  return { path: path.resolve(rootPath, option), required: true };
}

function readConfigFile(file: string, required: boolean, option: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    if (!required && (error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw configError(`Cannot read ${file} (${option}): ${(error as Error).message}`, error);
  }
}
