/**
 * Runs a CommonJS bundle with a V8 code cache, so that the `flarelet` command does not compile its ~0.5 MB
 * of JavaScript (core, the plugins, acorn) again on every start.
 *
 * Start-up is part of the product (the benchmark compares cold start with a bare node:http server), and
 * compiling the bundle was the largest cost flarelet itself added. Node ≥ 22.1 has `module.enableCompileCache`
 * for this; Node 20 does not, so the bundle is compiled with `vm.Script` and its `cachedData`, as
 * `v8-compile-cache` does for CommonJS.
 *
 * - The cache lives in the user's cache folder (`$XDG_CACHE_HOME/flarelet`, else `~/.cache/flarelet`),
 *   keyed by the bundle's path, size and modification time, Node's version and the architecture. V8 checks the
 *   data itself and rejects anything that does not match (then the bundle is compiled as usual and the
 *   cache rewritten).
 * - It is written once per new bundle, a second after the program says it is serving (the
 *   `COMPILE_CACHE_READY` process event; or at exit, if sooner), so that it holds the functions start-up
 *   and the first requests compiled too, and never on the start-up path. Runs that never serve
 *   (`--version`, a usage error) write nothing: their cache would hold too little.
 * - Every failure (no home folder, read-only disk) only means no cache. `FLARELET_NO_COMPILE_CACHE=1`
 *   turns it off.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import vm from "node:vm";

/** How long after the program is ready the cache is written: the first requests have compiled by then. */
const WRITE_DELAY_MS = 1000;

/** Emitted on `process` by the bundled program once it serves (src/cli/main.ts). */
export const COMPILE_CACHE_READY = "flarelet:compile-cache-ready";

export function runWithCompileCache(bundle: string): void {
  // The bundle is ASCII (scripts/bundle-cli.mjs checks), for which latin1 is the same text, decoded faster.
  // A hashbang line is valid at the top of a file, not inside the CommonJS wrapper.
  const source = readFileSync(bundle, "latin1").replace(/^#!.*/, "");
  const cacheFile = cacheFileFor(bundle);
  const cachedData = cacheFile === undefined ? undefined : readCache(cacheFile);
  // CommonJS's own wrapper, on the first line so that line numbers stay the bundle's.
  const wrapped = `(function (exports, require, module, __filename, __dirname) { ${source}\n})`;
  // The bundle has no import() left (scripts/bundle-cli.mjs turns them into require()): a vm.Script has no
  // module loader for one.
  const script = new vm.Script(wrapped, { filename: bundle, cachedData });
  if (cacheFile !== undefined && (cachedData === undefined || script.cachedDataRejected === true)) {
    scheduleWrite(script, cacheFile, bundle);
  }
  const run = script.runInThisContext() as (
    exports: object,
    require: NodeJS.Require,
    module: { exports: object },
    filename: string,
    dirname: string,
  ) => void;
  const module = { exports: {} };
  run.call(module.exports, module.exports, createRequire(bundle), module, bundle, path.dirname(bundle));
}

function cacheFileFor(bundle: string): string | undefined {
  if (process.env.FLARELET_NO_COMPILE_CACHE) return undefined;
  try {
    const { size, mtimeMs } = statSync(bundle);
    const folder = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "flarelet");
    // One cache per installed copy (by its path), per build of it, Node version and architecture.
    const name = `${copyPrefix(bundle)}${size}-${Math.round(mtimeMs)}-${process.version}-${process.arch}.v8cache`;
    return path.join(folder, name);
  } catch {
    return undefined;
  }
}

/** A 32-bit FNV-1a hash, in hex: enough to tell installed copies apart by path (node:crypto costs start-up). */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}

function readCache(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** What the cache files of one installed copy of the bundle begin with. */
function copyPrefix(bundle: string): string {
  return `${path.basename(bundle)}-${fnv1a(bundle)}-`;
}

function scheduleWrite(script: vm.Script, file: string, bundle: string): void {
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    try {
      const folder = path.dirname(file);
      mkdirSync(folder, { recursive: true, mode: 0o700 });
      // Caches of older builds of this copy are no use any more (other copies keep theirs).
      const prefix = copyPrefix(bundle);
      for (const old of readdirSync(folder)) {
        if (old.startsWith(prefix) && old.endsWith(".v8cache")) rmSync(path.join(folder, old), { force: true });
      }
      // Written aside and renamed, so that a concurrent start never reads half a file.
      const partial = `${file}.${process.pid}.tmp`;
      writeFileSync(partial, script.createCachedData());
      renameSync(partial, file);
    } catch {
      // No cache this time; the next start tries again.
    }
  };
  process.once(COMPILE_CACHE_READY, () => {
    setTimeout(write, WRITE_DELAY_MS).unref();
    process.once("exit", write);
  });
}
