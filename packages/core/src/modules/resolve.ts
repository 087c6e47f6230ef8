/**
 * How the per-file module loader turns a specifier into a file, and when it hands the worker over to the
 * bundler instead.
 *
 * Bundling is the default (SPEC "Real Workers projects"), but most workers that the per-file loader can load
 * as they are (relative imports of `.mjs`/`.js`/`.cjs` files, text, data and WebAssembly) come out the same
 * either way, and loading them as they are costs nothing. So when bundling is on, the loader tries first and
 * gives up with `NeedsBundling` at the first thing only a bundler can do: a package import (`"hono"`), an
 * import without an extension (`"./util"`), or a TypeScript, JSX or JSON file. The worker is then bundled
 * with esbuild (src/bundle/), and nothing of the attempt remains. With bundling off, the same things are
 * ERR_MODULE_NOT_FOUND.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { builtinNotFound } from "./builtins.js";

/** Thrown by the per-file loader when only a bundler can load the worker; never reaches a user. */
export class NeedsBundling extends Error {
  constructor(readonly reason: string) {
    super(`the worker needs bundling: ${reason}`);
  }
}

/** Files that only a bundler loads: TypeScript, JSX and JSON. */
const BUNDLER_EXTENSIONS = new Set([".ts", ".mts", ".cts", ".tsx", ".jsx", ".json"]);

export function needsBundler(file: string): boolean {
  return BUNDLER_EXTENSIONS.has(path.extname(file));
}

export function isRelative(specifier: string): boolean {
  return specifier.startsWith("./") || specifier.startsWith("../") || specifier.startsWith("/");
}

/**
 * The absolute path a relative specifier names, seen from `base` (the importer's folder). With `bundling`,
 * throws `NeedsBundling` for what the per-file loader cannot load; without, an error naming both files.
 */
export function resolveSpecifier(specifier: string, importer: string, base: string, bundling: boolean): string {
  if (!isRelative(specifier)) {
    if (bundling && !specifier.includes(":")) throw new NeedsBundling(`"${specifier}" is a package import`);
    throw builtinNotFound(specifier, importer);
  }
  const file = path.resolve(base, specifier);
  if (bundling && (needsBundler(file) || (path.extname(file) === "" && !existsSync(file)))) {
    throw new NeedsBundling(`"${specifier}" needs resolving or compiling`);
  }
  return file;
}

/**
 * The string specifiers of `require("…")` calls in a CommonJS module. They run only when the module does,
 * too late to hand the worker to the bundler; a look at the source beforehand tells whether one needs it.
 * A miss (a computed specifier, a `require` in a string) only means the attempt fails later, as it would
 * without bundling.
 */
export function requiredSpecifiers(source: string): string[] {
  return [...source.matchAll(/\brequire\s*\(\s*(["'])([^"'\n]+)\1\s*\)/g)].map((match) => match[2]!);
}
