/**
 * The module graph of a modules-format worker: resolves relative imports, loads each file by its rule,
 * links namespaces and evaluates dependencies first, in import order, as ES modules do. One graph per
 * load of the worker; a reload builds a new one from disk.
 *
 * Loading and linking are synchronous (files are read with readFileSync: they are local and small, and it
 * keeps `require()` in CommonJS modules synchronous); evaluation is async for top-level await.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import vm from "node:vm";
import { FlareletError, messageOf } from "../errors.js";
import type { AnyNode } from "./ast.js";
import type { BuiltinModules } from "./builtins.js";
import { createNamespace, namespaceOf, type Namespace } from "./namespace.js";
import { evaluate, resolveStarExports, type ModuleRecord } from "./record.js";
import { requiredSpecifiers, resolveSpecifier } from "./resolve.js";
import type { ModuleRules, ModuleRuleType } from "./rules.js";
import { fromAcornError, fromV8SyntaxError } from "./source-errors.js";
import { transformModule, type TransformedModule } from "./transform.js";

/** What a transformed module's code receives as `__flarelet_module` (see transform.ts). */
export interface ModuleRuntime {
  import(index: number): object;
  export(getters: Record<string, () => unknown>): void;
  dynamicImport(specifier: unknown): Promise<object>;
  readonly meta: { url: string; main: boolean };
}

/** TypeScript's ES libs leave `WebAssembly` to the DOM lib, which a Node package does not load. */
interface WasmRealm {
  WebAssembly: { Module: new (bytes: Uint8Array) => object };
}


/** Identifies a worker given as a string rather than a file, in stack traces and error messages. */
export const INLINE_SCRIPT = "<script>";

export type Parse = (source: string) => AnyNode;

export class ModuleGraph {
  /** Every file the graph read: what `--watch` must watch. */
  readonly files = new Set<string>();
  readonly #records = new Map<string, ModuleRecord>();
  readonly #context: vm.Context;
  /** The worker realm's intrinsics, for values that must belong to it. */
  readonly #contextGlobal: typeof globalThis;
  readonly #rules: ModuleRules;
  readonly #parse: Parse;
  readonly #rootPath: string;
  readonly #builtins: BuiltinModules;
  /** Give up with `NeedsBundling` at what only a bundler can load (resolve.ts). */
  readonly #bundling: boolean;

  constructor(options: {
    context: vm.Context;
    rules: ModuleRules;
    parse: Parse;
    rootPath: string;
    builtins: BuiltinModules;
    bundling: boolean;
  }) {
    this.#context = options.context;
    this.#builtins = options.builtins;
    this.#bundling = options.bundling;
    this.#contextGlobal = vm.runInContext("globalThis", options.context) as typeof globalThis;
    this.#rules = options.rules;
    this.#parse = options.parse;
    this.#rootPath = options.rootPath;
  }

  /**
   * Loads and links the main module and everything it imports, running none of it (throws `NeedsBundling`
   * if the graph was made with `bundling` and needs a bundler); `evaluate()` runs it.
   */
  link(file: string, source: string): ModuleRecord {
    if (file !== INLINE_SCRIPT) this.files.add(file);
    const main = this.#createEsModule(file, source, true);
    resolveStarExports(main, new Set());
    return main;
  }

  /** Evaluates a linked main module; resolves to its namespace. */
  async evaluate(main: ModuleRecord): Promise<Namespace> {
    await evaluate(main, new Set());
    return main.namespace;
  }

  // ---------------------------------------------------------------------------------------------------
  // Loading

  /** The module `specifier` names, imported (or required) from `importer`: a built-in or a file. */
  #import(specifier: string, importer: string): ModuleRecord {
    const builtin = this.#builtins.get(specifier);
    if (builtin !== undefined) return this.#records.get(specifier) ?? this.#createBuiltinModule(specifier, builtin());
    return this.#load(this.#resolve(specifier, importer), importer);
  }

  /** With `bundling`: gives up now if a specifier that is only loaded later (import(), require()) needs a bundler. */
  #checkLater(specifiers: readonly string[], importer: string): void {
    if (!this.#bundling) return;
    for (const specifier of specifiers) {
      if (!this.#builtins.has(specifier)) this.#resolve(specifier, importer);
    }
  }

  #load(file: string, importer: string): ModuleRecord {
    const existing = this.#records.get(file);
    if (existing !== undefined) return existing;
    const type = this.#rules.typeOf(file, importer);
    this.files.add(file);
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (error) {
      throw new FlareletError("ERR_MODULE_NOT_FOUND", `Cannot read module ${file} (imported from ${importer}): ${messageOf(error)}`, { cause: error });
    }
    switch (type) {
      case "ESModule":
        return this.#createEsModule(file, bytes.toString("utf8"), false);
      case "CommonJS": {
        const source = bytes.toString("utf8");
        this.#checkLater(requiredSpecifiers(source), file);
        return this.#createCommonJsModule(file, source);
      }
      case "Text":
        return this.#createValueModule(file, type, bytes.toString("utf8"));
      case "Data": {
        const buffer = new this.#contextGlobal.ArrayBuffer(bytes.byteLength);
        new this.#contextGlobal.Uint8Array(buffer).set(bytes);
        return this.#createValueModule(file, type, buffer);
      }
      case "CompiledWasm":
        // Compiled by the host: the worker's realm refuses Wasm code generation, as workerd does for bytes a
        // worker makes at run time. `instanceof WebAssembly.Module` holds in the worker (sandbox/context.ts).
        return this.#createValueModule(file, type, new (globalThis as unknown as WasmRealm).WebAssembly.Module(bytes));
    }
  }

  #resolve(specifier: string, importer: string): string {
    const base = importer === INLINE_SCRIPT ? this.#rootPath : path.dirname(importer);
    return resolveSpecifier(specifier, importer, base, this.#bundling);
  }

  #createEsModule(file: string, source: string, main: boolean): ModuleRecord {
    let transformed: TransformedModule;
    try {
      transformed = transformModule(source, this.#parse);
    } catch (error) {
      throw fromAcornError(file, source, error);
    }
    const record: ModuleRecord = {
      file,
      type: "ESModule",
      namespace: createNamespace(),
      dependencies: [],
      starExports: transformed.starExports,
      run: () => {},
      ran: false,
    };
    this.#records.set(file, record);
    for (const { specifier } of transformed.requests) {
      record.dependencies.push(this.#import(specifier, file));
    }
    this.#checkLater(transformed.dynamicRequests, file);

    const moduleFunction = this.#compile(file, source, transformed.code) as (
      runtime: ModuleRuntime,
    ) => AsyncGenerator<void, void, void>;
    const runtime: ModuleRuntime = {
      import: (index) => record.dependencies[index]!.namespace,
      export: (getters) => {
        for (const [name, get] of Object.entries(getters)) {
          Object.defineProperty(record.namespace, name, { get, enumerable: true, configurable: true });
        }
      },
      dynamicImport: (specifier) => this.#dynamicImport(String(specifier), file),
      meta: { url: file === INLINE_SCRIPT ? file : pathToFileURL(file).href, main },
    };
    // Link: the first step only registers the export getters (see transform.ts).
    const generator = moduleFunction(runtime);
    // The header cannot throw in practice; if it ever did, the error surfaces when the module runs.
    const linked = generator.next();
    linked.catch(() => {});
    record.run = async () => {
      await linked;
      await generator.next();
    };
    return record;
  }

  #createCommonJsModule(file: string, source: string): ModuleRecord {
    const moduleFunction = this.#compile(
      file,
      source,
      `(function (exports, require, module) {\n${source}\n})`,
    ) as (exports: unknown, require: (specifier: string) => unknown, module: { exports: unknown }) => void;
    const record: ModuleRecord = {
      file,
      type: "CommonJS",
      namespace: createNamespace(),
      dependencies: [],
      starExports: [],
      ran: false,
      run: () => {
        if (record.ran) return;
        record.ran = true;
        const module = { exports: Object.create(this.#contextGlobal.Object.prototype) as unknown };
        moduleFunction.call(module.exports, module.exports, (specifier) => this.#require(String(specifier), file), module);
        // `module.exports` is the default export; its own keys become named exports, read live.
        Object.defineProperty(record.namespace, "default", { get: () => module.exports, enumerable: true });
        const exports = module.exports;
        if ((typeof exports === "object" || typeof exports === "function") && exports !== null) {
          for (const key of Object.keys(exports)) {
            if (key === "default") continue;
            Object.defineProperty(record.namespace, key, {
              get: () => (exports as Record<string, unknown>)[key],
              enumerable: true,
            });
          }
        }
        Object.preventExtensions(record.namespace);
      },
    };
    this.#records.set(file, record);
    return record;
  }

  /** A built-in module (`cloudflare:workers`, a plugin's): its namespace holds the given exports. */
  #createBuiltinModule(specifier: string, exports: Record<string, unknown>): ModuleRecord {
    const namespace = namespaceOf(exports);
    const record: ModuleRecord = { file: specifier, type: "Builtin", namespace, dependencies: [], starExports: [], ran: true, run: () => {} };
    this.#records.set(specifier, record);
    return record;
  }

  #createValueModule(file: string, type: ModuleRuleType, value: unknown): ModuleRecord {
    const namespace = createNamespace();
    Object.defineProperty(namespace, "default", { value, enumerable: true });
    Object.preventExtensions(namespace);
    const record: ModuleRecord = { file, type, namespace, dependencies: [], starExports: [], ran: true, run: () => {} };
    this.#records.set(file, record);
    return record;
  }

  #compile(file: string, source: string, code: string): unknown {
    try {
      // The wrapper's first line is ours, so line numbers are the file's own (see transform.ts).
      return new vm.Script(code, { filename: file, lineOffset: -1 }).runInContext(this.#context);
    } catch (error) {
      throw fromV8SyntaxError(file, source, error);
    }
  }

  async #dynamicImport(specifier: string, importer: string): Promise<object> {
    const record = this.#import(specifier, importer);
    resolveStarExports(record, new Set());
    await evaluate(record, new Set());
    return record.namespace;
  }

  #require(specifier: string, importer: string): unknown {
    const record = this.#import(specifier, importer);
    if (record.type === "Builtin") return "default" in record.namespace ? record.namespace.default : record.namespace;
    if (record.type === "CommonJS") {
      record.run();
      return record.namespace.default;
    }
    if (record.type !== "ESModule") return record.namespace.default;
    if (record.evaluation === undefined) {
      throw new FlareletError(
        "ERR_MODULE_NOT_FOUND",
        `require() of the ES module ${record.file} from ${importer}: import it from an ES module instead.`,
      );
    }
    return record.namespace;
  }
}
