/**
 * Bundles a worker's entry into one script the way wrangler does (workers-sdk,
 * packages/wrangler/src/deployment-bundle/bundle.ts): esbuild, npm packages resolved with the `exports`
 * conditions `workerd`, `worker`, `browser` (esbuild adds `import`/`require` and `default`) and the main
 * fields `browser`, `module`, `main` (esbuild's defaults for the browser platform), TypeScript and JSX
 * stripped without type-checking (JSX in `.js` too, as wrangler allows), target ES2022, the user's `define`
 * and `alias`, and a source map for every stack flarelet shows.
 *
 *     entry ─► esbuild (ESM) ─► exports? ─ yes ─► modules worker
 *                                       └─ no ──► esbuild again as IIFE ─► service worker
 *
 * Each entry and format keeps an esbuild context, so that a reload rebuilds incrementally (esbuild re-reads
 * only what changed). esbuild itself is loaded on the first build: a worker that needs no bundling never
 * pays for it (src/modules/resolve.ts).
 */
import type * as Esbuild from "esbuild";
import path from "node:path";
import { FlareletError } from "../errors.js";
import type { CompiledRule } from "../modules/rules.js";
import { builtinsPlugin, moduleRulesPlugin, type BuiltinSpecifiers } from "./esbuild-plugins.js";

export interface BundlerOptions {
  /** The project folder: where packages are looked up from, and what `alias` paths are relative to. */
  rootPath: string;
  /** Module rules in the order they apply (files of Text, Data and CompiledWasm rules stay separate). */
  rules: readonly CompiledRule[];
  /** esbuild `define`: identifier → JavaScript expression (wrangler's `define`). */
  define?: Record<string, string>;
  /** esbuild `alias`: package → replacement (wrangler's `alias`). */
  alias?: Record<string, string>;
  builtins: BuiltinSpecifiers;
}

export interface BundledScript {
  /** The bundle's own (virtual, never written) file name: what stack traces name before source-mapping. */
  readonly path: string;
  readonly code: string;
  readonly modules: boolean;
  /** The source map, as JSON text, with `sources` resolved to absolute paths. */
  readonly sourceMap: string;
  /** Every file that went into the bundle, and the rule modules it imports: what `--watch` must watch. */
  readonly files: readonly string[];
  /** For each module the bundle imports (built-ins, rule modules): the first source file that imports it. */
  readonly importers: ReadonlyMap<string, string>;
}

type EsbuildModule = typeof Esbuild;
let esbuildModule: Promise<EsbuildModule> | undefined;

function loadEsbuild(): Promise<EsbuildModule> {
  esbuildModule ??= import("esbuild");
  return esbuildModule;
}

/** The bundle's file name: in a folder of its own next to the project, like wrangler's `.wrangler/tmp`. */
export function bundlePath(rootPath: string, entry: string): string {
  return path.join(rootPath, ".flarelet", `${path.parse(entry).name}.js`);
}

export class Bundler {
  readonly #options: BundlerOptions;
  readonly #contexts = new Map<string, Promise<Esbuild.BuildContext<{ write: false; metafile: true }>>>();
  #disposed = false;

  constructor(options: BundlerOptions) {
    this.#options = options;
  }

  /**
   * Bundles `entry` (an absolute path; `contents` replaces the file's text for an inline script). With
   * `modules` undefined, the format follows the entry's exports.
   */
  async build(entry: string, modules: boolean | undefined, contents?: string): Promise<BundledScript> {
    const esbuild = await loadEsbuild();
    if (modules !== false) {
      const result = await this.#run(esbuild, entry, "esm", contents);
      const exports = Object.values(result.metafile.outputs).find((output) => output.entryPoint !== undefined)?.exports ?? [];
      if (modules === true || exports.length > 0) return this.#script(entry, result, true);
    }
    return this.#script(entry, await this.#run(esbuild, entry, "iife", contents), false);
  }

  /** Disposes every esbuild context; the bundler cannot be used afterwards. */
  async dispose(): Promise<void> {
    this.#disposed = true;
    const contexts = [...this.#contexts.values()];
    this.#contexts.clear();
    await Promise.all(contexts.map(async (context) => (await context.catch(() => undefined))?.dispose()));
  }

  async #run(
    esbuild: EsbuildModule,
    entry: string,
    format: "esm" | "iife",
    contents: string | undefined,
  ): Promise<Esbuild.BuildResult<{ write: false; metafile: true }>> {
    const options = this.#buildOptions(entry, format, contents);
    try {
      // An inline script's text is part of the options: it gets a one-off build, not a context.
      if (contents !== undefined || this.#disposed) return await esbuild.build(options);
      const key = `${format}\0${entry}`;
      let context = this.#contexts.get(key);
      if (context === undefined) {
        context = esbuild.context(options);
        this.#contexts.set(key, context);
      }
      return await (await context).rebuild();
    } catch (error) {
      throw await buildError(esbuild, entry, error);
    }
  }

  #buildOptions(entry: string, format: "esm" | "iife", contents: string | undefined) {
    const { rootPath, define, alias, rules, builtins } = this.#options;
    return {
      ...(contents === undefined
        ? { entryPoints: [entry] }
        : { stdin: { contents, sourcefile: entry, resolveDir: path.dirname(entry), loader: loaderFor(entry) } }),
      absWorkingDir: rootPath,
      outfile: bundlePath(rootPath, entry),
      bundle: true,
      write: false as const,
      metafile: true as const,
      format,
      platform: "browser" as const,
      target: "es2022",
      conditions: ["workerd", "worker", "browser"],
      mainFields: ["browser", "module", "main"],
      loader: { ".js": "jsx", ".mjs": "jsx", ".cjs": "jsx" } as const,
      sourcemap: "external" as const,
      sourcesContent: true,
      ...(define === undefined ? {} : { define }),
      ...(alias === undefined ? {} : { alias }),
      plugins: [builtinsPlugin(builtins), moduleRulesPlugin(rules)],
      logLevel: "silent" as const,
    };
  }

  #script(entry: string, result: Esbuild.BuildResult<{ write: false; metafile: true }>, modules: boolean): BundledScript {
    const { rootPath } = this.#options;
    const outfile = bundlePath(rootPath, entry);
    const code = result.outputFiles.find((file) => file.path === outfile)?.text ?? "";
    const mapText = result.outputFiles.find((file) => file.path === `${outfile}.map`)?.text ?? "{}";
    const files = new Set<string>();
    const importers = new Map<string, string>();
    for (const [input, { imports }] of Object.entries(result.metafile.inputs)) {
      // Inputs of our own namespaces ("flarelet-require-builtin:node:buffer") are not files.
      if (/^[a-z-]+:/.test(input) && !path.isAbsolute(input)) continue;
      const file = path.resolve(rootPath, input);
      files.add(file);
      for (const imported of imports) if (imported.external && !importers.has(imported.path)) importers.set(imported.path, file);
    }
    for (const output of Object.values(result.metafile.outputs)) {
      for (const imported of output.imports) if (imported.external && path.isAbsolute(imported.path)) files.add(imported.path);
    }
    return { path: outfile, code, modules, sourceMap: absoluteSources(mapText, path.dirname(outfile)), files: [...files], importers };
  }
}

function loaderFor(entry: string): Esbuild.Loader {
  const extension = path.extname(entry).slice(1);
  if (extension === "ts" || extension === "mts" || extension === "cts") return "ts";
  if (extension === "tsx") return "tsx";
  return "jsx";
}

/** esbuild writes `sources` relative to the bundle's folder; flarelet shows absolute paths. */
function absoluteSources(mapText: string, folder: string): string {
  const map = JSON.parse(mapText) as { sources?: string[] };
  map.sources = (map.sources ?? []).map((source) => (source.startsWith("<") ? source : path.resolve(folder, source)));
  return JSON.stringify(map);
}

/** esbuild's own messages, with file, line, column and the code frame, as ERR_BUILD. */
async function buildError(esbuild: EsbuildModule, entry: string, error: unknown): Promise<unknown> {
  const errors = (error as { errors?: Esbuild.Message[] }).errors;
  if (!Array.isArray(errors) || errors.length === 0) return error;
  const formatted = await esbuild.formatMessages(errors, { kind: "error", color: false, terminalWidth: 100 });
  const count = errors.length === 1 ? "1 error" : `${errors.length} errors`;
  return new FlareletError("ERR_BUILD", `Could not bundle ${entry} (${count}):\n${formatted.join("").trimEnd()}`, { cause: error });
}
