/**
 * Where a `Miniflare` instance's settings come from, and which wins:
 *
 *     explicit options (CLI flags)  >  .dev.vars / .env  >  wrangler.json / .jsonc / .toml
 *
 * - script: `script`/`scriptPath` (the CLI's positional) > the config's `main` (resolved against the config
 *   file's folder, as wrangler does);
 * - bindings, key by key: `bindings` (`--binding`) > `.dev.vars` > `.env` > the config's `vars`;
 * - `compatibilityDate`/`compatibilityFlags`, `modulesRules`, `bundle`, `define`, `alias` and the custom
 *   build: the option when given, else the config's `compatibility_date`, `compatibility_flags`, `rules`,
 *   `no_bundle`, `define`, `alias` and `[build]`.
 *
 * `wranglerConfigPath: true` looks in `rootPath` for `wrangler.json`, `wrangler.jsonc` and `wrangler.toml`,
 * in wrangler's order, and reads the first that exists (none is fine). `envPath: true` reads `.env` in
 * `rootPath` and wrangler's `.dev.vars` next to the config file (`.dev.vars.<env>` instead, for an
 * environment that has one), both optional; their values are secrets, masked in the CLI's banner. A path
 * given explicitly must exist.
 *
 * Files are read synchronously: this runs in the `Miniflare` constructor, which is synchronous like
 * `MiniflareCore`'s, and reads a few small files.
 */
import type { MiniflareCoreOptions } from "@flarelet/core";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { configError, type MiniflareOptions } from "../options.js";
import { parseDotEnv } from "./dotenv.js";
import { parseWranglerConfig, WRANGLER_FILES, type WranglerConfig } from "./wrangler.js";

export const DEFAULT_ENV_FILE = ".env";
export const DEV_VARS_FILE = ".dev.vars";

/** Every option core knows except the fixed ones; each is set (to undefined if absent) so that merges clear it. */
export type ResolvedCoreOptions = Required<{
  [K in Exclude<keyof MiniflareCoreOptions, "plugins" | "log">]: MiniflareCoreOptions[K] | undefined;
}>;

export interface ResolvedBuild {
  command: string;
  cwd: string;
  watchDirs: string[];
}

export interface ResolvedConfig {
  core: ResolvedCoreOptions;
  /** The config files that were read (absolute), or would be read if they appeared: for watching. */
  configFiles: string[];
  /** The wrangler configuration that was read, if any. */
  wrangler: WranglerConfig | undefined;
  /** Names of the bindings that came from `.env`/`.dev.vars` (and not from an option): secrets. */
  secrets: string[];
  /** A custom build to run before each load, if any. */
  build: ResolvedBuild | undefined;
}

export function resolveConfig(options: MiniflareOptions): ResolvedConfig {
  const rootPath = path.resolve(options.rootPath ?? process.cwd());
  const configFiles: string[] = [];

  let wrangler: WranglerConfig | undefined;
  for (const file of wranglerCandidates(options.wranglerConfigPath, rootPath)) {
    configFiles.push(file.path);
    if (wrangler !== undefined) continue; // later candidates are watched, in case one appears first
    const text = readConfigFile(file.path, file.required, "wranglerConfigPath");
    if (text !== undefined) wrangler = parseWranglerConfig(text, file.path, options.wranglerConfigEnv);
  }
  if (options.wranglerConfigEnv !== undefined && wrangler === undefined) {
    throw configError(
      `wranglerConfigEnv "${options.wranglerConfigEnv}" needs a wrangler configuration, and none was read (set wranglerConfigPath, -c on the command line).`,
    );
  }

  const secrets: Record<string, string> = {};
  const dotEnvFiles = envFiles(options, rootPath, wrangler);
  for (const file of dotEnvFiles) {
    configFiles.push(file.path);
    const text = readConfigFile(file.path, file.required, "envPath");
    if (text !== undefined) Object.assign(secrets, parseDotEnv(text));
  }

  const explicitScript = options.script !== undefined || options.scriptPath !== undefined;
  const hasBindings = wrangler !== undefined || dotEnvFiles.length > 0 || options.bindings !== undefined;

  const core: ResolvedCoreOptions = {
    script: options.script,
    scriptPath: explicitScript ? options.scriptPath : wrangler?.main,
    modules: options.modules,
    modulesRules: options.modulesRules ?? wrangler?.rules,
    bundle: options.bundle ?? (wrangler?.noBundle === undefined ? undefined : !wrangler.noBundle),
    define: options.define ?? wrangler?.define,
    alias: options.alias ?? wrangler?.alias,
    rootPath: options.rootPath,
    bindings: hasBindings ? { ...wrangler?.vars, ...secrets, ...options.bindings } : undefined,
    globals: options.globals,
    compatibilityDate: options.compatibilityDate ?? wrangler?.compatibilityDate,
    compatibilityFlags: options.compatibilityFlags ?? wrangler?.compatibilityFlags,
  };
  const secretNames = Object.keys(secrets).filter((name) => options.bindings?.[name] === undefined);
  return { core, configFiles, wrangler, secrets: secretNames, build: resolveBuild(options, rootPath, wrangler) };
}

/** The configuration files to read: the one given, or wrangler's three in its order. */
function wranglerCandidates(option: boolean | string | undefined, rootPath: string): { path: string; required: boolean }[] {
  if (option === undefined || option === false) return [];
  if (option === true) return WRANGLER_FILES.map((name) => ({ path: path.join(rootPath, name), required: false }));
  return [{ path: path.resolve(rootPath, option), required: true }];
}

/** `.env` and `.dev.vars` (or `.dev.vars.<env>`), or the one file given. */
function envFiles(options: MiniflareOptions, rootPath: string, wrangler: WranglerConfig | undefined): { path: string; required: boolean }[] {
  const option = options.envPath;
  if (option === undefined || option === false) return [];
  if (option !== true) return [{ path: path.resolve(rootPath, option), required: true }];
  const folder = wrangler === undefined ? rootPath : path.dirname(wrangler.file);
  const devVars = path.join(folder, DEV_VARS_FILE);
  const files = [{ path: path.join(rootPath, DEFAULT_ENV_FILE), required: false }];
  if (options.wranglerConfigEnv !== undefined) {
    // wrangler reads `.dev.vars.<env>` instead of `.dev.vars` when it exists.
    const forEnv = `${devVars}.${options.wranglerConfigEnv}`;
    files.push({ path: forEnv, required: false });
    if (existsSync(forEnv)) return files;
  }
  files.push({ path: devVars, required: false });
  return files;
}

function resolveBuild(options: MiniflareOptions, rootPath: string, wrangler: WranglerConfig | undefined): ResolvedBuild | undefined {
  if (options.buildCommand !== undefined) {
    return {
      command: options.buildCommand,
      cwd: path.resolve(rootPath, options.buildBasePath ?? "."),
      watchDirs: (options.buildWatchPaths ?? ["src"]).map((dir) => path.resolve(rootPath, dir)),
    };
  }
  return wrangler?.build;
}

function readConfigFile(file: string, required: boolean, option: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    if (!required && (error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw configError(`Cannot read ${file} (${option}): ${(error as Error).message}`, error);
  }
}
