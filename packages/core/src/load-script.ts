/**
 * From the options to the script a `Worker` runs: read the entry, settle its format, and decide whether it
 * is bundled.
 *
 *     entry ─┬─ TypeScript/JSX, define or alias set ─────────────► bundle now (format from its exports)
 *            ├─ service worker that imports ─────────────────────► bundle now (one IIFE script)
 *            ├─ modules worker ──► per-file loader ─ gives up? ──► bundle then (src/modules/resolve.ts)
 *            └─ service worker without imports ──────────────────► run as it is
 *
 * With `bundle: false` nothing is bundled: files load as they are, and what needs a bundler is an error.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Bundler, BundledScript } from "./bundle/bundler.js";
import { FlareletError, messageOf } from "./errors.js";
import { entryShape, mayBeModule } from "./modules/format.js";
import { INLINE_SCRIPT } from "./modules/graph.js";
import { needsBundler } from "./modules/resolve.js";
import { resolveScriptPath, type MiniflareCoreOptions } from "./options.js";
import type { WorkerScript } from "./worker.js";

export interface PreparedScript {
  script: WorkerScript;
  /** Set when the per-file loader may give up on `script` and have it bundled instead. */
  bundle?: () => Promise<WorkerScript>;
}

export async function prepareScript(
  options: MiniflareCoreOptions,
  rootPath: string,
  bundler: () => Bundler,
): Promise<PreparedScript> {
  const entry = await readEntry(options, rootPath);
  const bundling = options.bundle !== false;
  // esbuild needs a file name even for an inline script: it names the bundle and its source map.
  const entryFile = entry.path === INLINE_SCRIPT ? path.join(rootPath, "script.js") : entry.path;
  const inline = options.script;
  const bundle = async (modules: boolean | undefined): Promise<WorkerScript> =>
    fromBundle(await bundler().build(entryFile, modules, inline));

  if (needsBundler(entry.path)) {
    if (!bundling) {
      throw new FlareletError(
        "ERR_MODULE_RULE",
        `${entry.path} needs compiling by a bundler, and bundling is off (bundle: false, --no-bundle, no_bundle).`,
      );
    }
    return { script: await bundle(options.modules) };
  }
  if (bundling && (hasEntries(options.define) || hasEntries(options.alias))) return { script: await bundle(options.modules) };

  let shape = { exports: false, imports: false };
  if (mayBeModule(entry.code)) {
    // acorn is loaded only for scripts that may be modules; service workers mostly never need it.
    const { parse } = await import("acorn");
    shape = entryShape(entry.code, (source) => parse(source, { ecmaVersion: "latest", sourceType: "module" }) as never);
  }
  const modules = options.modules ?? shape.exports;
  if (!modules && shape.imports && bundling) return { script: await bundle(false) };
  const script: WorkerScript = { ...entry, modules };
  return modules && bundling ? { script, bundle: () => bundle(true) } : { script };
}

async function readEntry(options: MiniflareCoreOptions, rootPath: string): Promise<{ path: string; code: string }> {
  const scriptPath = resolveScriptPath(options, rootPath);
  if (options.script !== undefined) return { code: options.script, path: scriptPath ?? INLINE_SCRIPT };
  if (scriptPath === undefined) {
    throw new FlareletError(
      "ERR_NO_SCRIPT",
      "No script to run: give the script or scriptPath option (on the command line, a script path or main in wrangler.toml).",
    );
  }
  try {
    return { code: await readFile(scriptPath, "utf8"), path: scriptPath };
  } catch (error) {
    throw new FlareletError("ERR_SCRIPT_NOT_FOUND", `Cannot read script ${scriptPath}: ${messageOf(error)}`, { cause: error });
  }
}

function fromBundle(bundled: BundledScript): WorkerScript {
  const { path, code, modules, sourceMap, files, importers } = bundled;
  return { path, code, modules, sourceMap, files, importers };
}

function hasEntries(record: Record<string, string> | undefined): boolean {
  return record !== undefined && Object.keys(record).length > 0;
}
