/**
 * The options of `flareletVitest()` (alias `cloudflareTest()`), validated once in vitest's process, and what
 * they resolve to for the test files' processes (`RuntimeOptions`, handed over with vitest's `provide`).
 *
 * The shape is `@cloudflare/vitest-pool-workers`' `cloudflareTest(options)`: `main`, `wrangler.configPath`,
 * `wrangler.environment` and `miniflare`. Its other keys (`remoteBindings`, `additionalExports`, …) have no
 * meaning here and are refused by name, so that a moved config says what it lost.
 */
import { FlareletError } from "flarelet";
import path from "node:path";

export interface FlareletVitestOptions {
  /**
   * The worker's entry module, which `SELF`, `exports.default` and Durable Object bindings dispatch to. Vitest
   * imports it into the test's realm, so `import worker from "<main>"` in a test is the very same module.
   * Relative to the project root. @default `main` from the wrangler config
   */
  main?: string;
  /** Where the worker's configuration comes from. */
  wrangler?: {
    /** A wrangler.toml, relative to the project root. @default undefined (no wrangler config) */
    configPath?: string;
    /** The `[env.NAME]` section to use over the top level. @default undefined (top level) */
    environment?: string;
  };
  /**
   * flarelet `Miniflare` options for each test file's worker, over the wrangler config's: `bindings`,
   * `compatibilityDate`, `compatibilityFlags`, `envPath`, … (see the flarelet package). They cross into vitest's
   * test processes, so they must be plain JSON values: no functions, no class instances.
   * @default {}
   */
  miniflare?: Record<string, unknown>;
}

/** What a test file's process needs; plain JSON, handed over through vitest's `provide`/`inject`. */
export interface RuntimeOptions {
  /** The project root (absolute): the `rootPath` of each test file's worker. */
  root: string;
  /** The worker's entry module (absolute), if there is one. */
  main: string | undefined;
  /** The options each test file's `Miniflare` is made with, before the runtime adds its own. */
  miniflare: Record<string, unknown>;
  /** The Durable Object bindings and the classes of `main` they construct. */
  durableObjects: DurableObjectClass[];
}

export interface DurableObjectClass {
  binding: string;
  className: string;
}

/** The key of `RuntimeOptions` in vitest's provided context. */
export const PROVIDE_KEY = "flarelet:vitest";

declare module "vitest" {
  interface ProvidedContext {
    [PROVIDE_KEY]: RuntimeOptions;
  }
}

const KNOWN_OPTIONS = ["main", "wrangler", "miniflare"];

/** vitest-pool-workers options that have no counterpart, with the reason given to whoever sets one. */
const UNSUPPORTED_OPTIONS: Record<string, string> = {
  remoteBindings: "flarelet runs every binding locally; there are no remote bindings",
  additionalExports: "exports are read from the main module itself, which runs in the test's realm",
  experimental: "no experimental options are supported",
  verbose: "there is no workerd log to quieten; worker errors go to vitest's output as they happen",
  isolatedStorage: "storage is always isolated per test file (vitest-pool-workers dropped this option too)",
  singleWorker: "every test file gets a worker and storage of its own, in whichever vitest process runs it",
};

/** `miniflare` keys the runtime sets itself: a test file's worker is always the runtime's bridge module. */
const RESERVED_MINIFLARE_OPTIONS = ["script", "scriptPath", "modules", "rootPath", "watch", "log", "plugins", "globals", "wranglerConfigPath", "wranglerConfigEnv"];

export function validateOptions(options: unknown): asserts options is FlareletVitestOptions {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw invalid("options must be an object, e.g. flareletVitest({ wrangler: { configPath: \"./wrangler.toml\" } }).");
  }
  for (const key of Object.keys(options)) {
    const reason = UNSUPPORTED_OPTIONS[key];
    if (reason !== undefined) throw invalid(`Option "${key}" is not supported: ${reason}.`);
    if (!KNOWN_OPTIONS.includes(key)) throw invalid(`Unknown option "${key}". Known options: ${KNOWN_OPTIONS.join(", ")}.`);
  }
  const { main, wrangler, miniflare } = options as FlareletVitestOptions;
  if (main !== undefined && (typeof main !== "string" || main === "")) throw invalid(`Option "main" must be a file path, got ${describe(main)}.`);
  if (wrangler !== undefined) {
    if (typeof wrangler !== "object" || wrangler === null || Array.isArray(wrangler)) {
      throw invalid(`Option "wrangler" must be an object ({ configPath, environment }), got ${describe(wrangler)}.`);
    }
    for (const key of Object.keys(wrangler)) {
      if (key !== "configPath" && key !== "environment") throw invalid(`Unknown option "wrangler.${key}". Known: configPath, environment.`);
    }
    for (const key of ["configPath", "environment"] as const) {
      const value = wrangler[key];
      if (value !== undefined && (typeof value !== "string" || value === "")) throw invalid(`Option "wrangler.${key}" must be a non-empty string, got ${describe(value)}.`);
    }
    if (wrangler.environment !== undefined && wrangler.configPath === undefined) {
      throw invalid(`Option "wrangler.environment" needs "wrangler.configPath".`);
    }
  }
  if (miniflare !== undefined) {
    if (typeof miniflare !== "object" || miniflare === null || Array.isArray(miniflare)) {
      throw invalid(`Option "miniflare" must be an object of flarelet options, got ${describe(miniflare)}.`);
    }
    for (const key of Object.keys(miniflare)) {
      if (RESERVED_MINIFLARE_OPTIONS.includes(key)) {
        throw invalid(`Option "miniflare.${key}" cannot be set: the test runtime sets it (use "main" and "wrangler" for the worker's entry and config).`);
      }
    }
    const problem = findNonJson(miniflare, "miniflare");
    if (problem !== undefined) {
      throw invalid(`Option "${problem}" is not a plain JSON value: options cross into vitest's test processes, so functions and class instances cannot.`);
    }
  }
}

/** What the wrangler config says that the plugin needs in vitest's own process. */
export interface WranglerFacts {
  main?: string;
  durableObjects?: { name: string; className: string }[];
}

/** Resolves paths against the project root; `wrangler` is what the wrangler config says, if there is one. */
export function toRuntimeOptions(options: FlareletVitestOptions, root: string, wrangler: WranglerFacts = {}): RuntimeOptions {
  const miniflare: Record<string, unknown> = { ...options.miniflare };
  if (options.wrangler?.configPath !== undefined) miniflare.wranglerConfigPath = path.resolve(root, options.wrangler.configPath);
  if (options.wrangler?.environment !== undefined) miniflare.wranglerConfigEnv = options.wrangler.environment;
  // As vitest-pool-workers (wrangler's getVarsForDev): the secrets of `.dev.vars` (and `.env`) too.
  if (options.wrangler?.configPath !== undefined && !("envPath" in miniflare)) miniflare.envPath = true;
  const main = options.main === undefined ? wrangler.main : path.resolve(root, options.main);
  return { root, main, miniflare, durableObjects: durableObjectClasses(options.miniflare?.durableObjects, wrangler) };
}

/** As flarelet's `Miniflare` decides: the `durableObjects` option when given, else the wrangler config's. */
function durableObjectClasses(option: unknown, wrangler: WranglerFacts): DurableObjectClass[] {
  if (typeof option === "object" && option !== null) {
    return Object.entries(option as Record<string, unknown>).flatMap(([binding, value]) => {
      const className = typeof value === "string" ? value : (value as { className?: unknown } | null)?.className;
      // Anything else is refused by flarelet itself, with its own message, when the worker starts.
      return typeof className === "string" ? [{ binding, className }] : [];
    });
  }
  return (wrangler.durableObjects ?? []).map(({ name, className }) => ({ binding: name, className }));
}

/** The path of the first value in `value` that JSON cannot carry, if any. */
function findNonJson(value: unknown, at: string): string | undefined {
  if (value === null || typeof value === "string" || typeof value === "boolean") return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? undefined : at;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const problem = findNonJson(item, `${at}[${index}]`);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [key, item] of Object.entries(value)) {
      const problem = findNonJson(item, `${at}.${key}`);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  return at;
}

function invalid(message: string): FlareletError {
  return new FlareletError("ERR_INVALID_OPTION", `[@flarelet/vitest] ${message}`);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return typeof value;
}
