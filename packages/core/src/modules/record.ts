/**
 * One module of a worker's graph, and the two graph walks that need nothing but the records: linking
 * `export *` names and evaluating in dependency order.
 */
import type { Namespace } from "./namespace.js";
import { sealNamespace } from "./namespace.js";
import type { ModuleRuleType } from "./rules.js";

export interface ModuleRecord {
  /** The file's absolute path, or a built-in module's specifier. */
  readonly file: string;
  readonly type: ModuleRuleType | "Builtin";
  readonly namespace: Namespace;
  readonly dependencies: ModuleRecord[];
  /** Indexes into `dependencies` re-exported with `export *`. */
  readonly starExports: number[];
  /** Runs the module's own code (dependencies are already evaluated). */
  run: () => Promise<void> | void;
  evaluation?: Promise<void>;
  /** CommonJS modules run on first `require()` or import, whichever comes first. */
  ran: boolean;
}

/** `export * from` names, resolved once every namespace has its own getters (ECMA-262 §16.2.1.6.3). */
export function resolveStarExports(record: ModuleRecord, visited: Set<ModuleRecord>): void {
  if (visited.has(record)) return;
  visited.add(record);
  for (const dependency of record.dependencies) resolveStarExports(dependency, visited);
  if (record.type !== "ESModule" || record.starExports.length === 0) {
    if (record.type === "ESModule") sealNamespace(record.namespace);
    return;
  }
  const own = new Set(Object.keys(record.namespace));
  const ambiguous = new Set<string>();
  const starred = new Map<string, () => unknown>();
  for (const index of record.starExports) {
    const source = record.dependencies[index]!.namespace;
    for (const name of Object.keys(source)) {
      if (name === "default" || own.has(name)) continue;
      if (starred.has(name)) ambiguous.add(name);
      else starred.set(name, () => source[name]);
    }
  }
  for (const [name, get] of starred) {
    if (!ambiguous.has(name)) Object.defineProperty(record.namespace, name, { get, enumerable: true });
  }
  sealNamespace(record.namespace);
}

/** Dependencies first, in import order; a module already on the stack (a cycle) is not waited for. */
export function evaluate(record: ModuleRecord, stack: Set<ModuleRecord>): Promise<void> {
  if (stack.has(record)) return Promise.resolve();
  record.evaluation ??= (async () => {
    stack.add(record);
    for (const dependency of record.dependencies) await evaluate(dependency, stack);
    await record.run();
    stack.delete(record);
  })();
  return record.evaluation;
}
