/**
 * Turns an ES module into a script that a `node:vm` context can run without `vm.SourceTextModule` (which
 * needs Node's `--experimental-vm-modules` flag, and flarelet never asks for a flag). The module becomes an
 * async generator function, compiled once per load:
 *
 *     (async function* (__flarelet_module) {"use strict"; <imports> <export getters> yield;
 *     …the module's own code, import and export keywords blanked out…
 *     })
 *
 * - The first `next()` only registers the export getters (hoisted function declarations are already
 *   initialised then, so a cycle can call them, as with real modules); the second runs the module body.
 *   `await` works at the top level because the function is async.
 * - Import declarations are blanked to spaces, and every reference to an imported binding becomes a read
 *   of the exporting module's namespace object (`x` → `__flarelet_i0.x`), so imports stay live.
 * - Removed text is replaced by spaces of the same length and newlines are kept, and the wrapper sits on a
 *   line of its own compiled with `lineOffset: -1`, so line numbers in stack traces and the debugger are
 *   the file's own.
 * - Names beginning `__flarelet_` are reserved for this transform.
 */
import type { AnyNode } from "./ast.js";
import { findImportReferences } from "./scope.js";
import { collectPatternNames } from "./scope.js";

export interface ModuleRequest {
  /** The specifier as written: `"./util.mjs"`. */
  specifier: string;
}

export interface TransformedModule {
  /** The script source: evaluating it yields the module's async generator function. */
  code: string;
  /** Distinct static imports and re-exports, in source order (the order dependencies evaluate in). */
  requests: ModuleRequest[];
  /** Indexes into `requests` of `export * from` clauses, resolved by the module graph at link time. */
  starExports: number[];
  /** The specifiers of `import("…")` with a string literal, loaded when the import runs. */
  dynamicRequests: string[];
}

/** The identifier the wrapper function's one parameter binds: see `ModuleRuntime` in graph.ts. */
export const MODULE_PARAMETER = "__flarelet_module";
const DEFAULT_LOCAL = "__flarelet_default";

type Parse = (source: string) => AnyNode;

interface Edit {
  start: number;
  end: number;
  text: string;
}

export function transformModule(source: string, parse: Parse): TransformedModule {
  const program = parse(source);
  const edits: Edit[] = [];
  const requests: ModuleRequest[] = [];
  const requestIndex = new Map<string, number>();
  const starExports: number[] = [];
  // Export name → JavaScript expression reading its current value.
  const exportGetters = new Map<string, string>();
  // Local import binding → expression reading it.
  const importBindings = new Map<string, string>();
  const header: string[] = [];
  const trailer: string[] = [];

  const request = (specifier: string): string => {
    let index = requestIndex.get(specifier);
    if (index === undefined) {
      index = requests.length;
      requests.push({ specifier });
      requestIndex.set(specifier, index);
    }
    return `__flarelet_i${index}`;
  };
  const blank = (start: number, end: number): void => {
    edits.push({ start, end, text: source.slice(start, end).replace(/[^\n\r\u2028\u2029]/g, " ") });
  };
  const readLocal = (name: string): string => importBindings.get(name) ?? name;

  // A hashbang line is valid in a module but not inside a function body.
  if (source.startsWith("#!")) blank(0, source.search(/[\n\r]|$/));

  // Import declarations first: export specifiers may re-export imported bindings.
  for (const node of program.body as AnyNode[]) {
    if (node.type !== "ImportDeclaration") continue;
    const namespace = request(node.source.value);
    for (const specifier of node.specifiers) {
      const local = specifier.local.name;
      if (specifier.type === "ImportNamespaceSpecifier") importBindings.set(local, namespace);
      else if (specifier.type === "ImportDefaultSpecifier") importBindings.set(local, `${namespace}.default`);
      else importBindings.set(local, `${namespace}${member(exportName(specifier.imported))}`);
    }
    blank(node.start, node.end);
  }

  for (const node of program.body as AnyNode[]) {
    switch (node.type) {
      case "ExportNamedDeclaration": {
        if (node.declaration) {
          // `export const a = 1` → `       const a = 1`
          blank(node.start, node.declaration.start);
          const names = new Set<string>();
          if (node.declaration.type === "VariableDeclaration") {
            for (const declarator of node.declaration.declarations) collectPatternNames(declarator.id, names);
          } else names.add(node.declaration.id.name);
          for (const name of names) exportGetters.set(name, name);
          break;
        }
        const from = node.source ? request(node.source.value) : undefined;
        for (const specifier of node.specifiers) {
          const local = exportName(specifier.local);
          const exported = exportName(specifier.exported);
          exportGetters.set(exported, from === undefined ? readLocal(local) : `${from}${member(local)}`);
        }
        blank(node.start, node.end);
        break;
      }
      case "ExportAllDeclaration": {
        const from = request(node.source.value);
        if (node.exported) exportGetters.set(exportName(node.exported), from);
        else starExports.push(requestIndex.get(node.source.value)!);
        blank(node.start, node.end);
        break;
      }
      case "ExportDefaultDeclaration": {
        const declaration = node.declaration;
        const isDeclaration = declaration.type === "FunctionDeclaration" || declaration.type === "ClassDeclaration";
        if (isDeclaration && declaration.id) {
          // `export default function f() {}` → `function f() {}`, exported as "default".
          blank(node.start, declaration.start);
          exportGetters.set("default", declaration.id.name);
        } else if (declaration.type === "FunctionDeclaration") {
          // An anonymous function declaration is hoisted like a named one: give it our name, and make its
          // `name` "default" before any code runs, as the language does.
          blank(node.start, declaration.start);
          edits.push({ start: anonymousFunctionNameAt(source, declaration), end: anonymousFunctionNameAt(source, declaration), text: ` ${DEFAULT_LOCAL}` });
          header.push(`Object.defineProperty(${DEFAULT_LOCAL}, "name", { value: "default" });`);
          exportGetters.set("default", DEFAULT_LOCAL);
        } else {
          // `export default <expression or anonymous class>` → `const __flarelet_default = …;`
          edits.push({ start: node.start, end: declaration.start, text: `const ${DEFAULT_LOCAL} = ` });
          if (isAnonymousFunctionDefinition(declaration)) {
            const fixName = `;Object.defineProperty(${DEFAULT_LOCAL}, "name", { value: "default" });`;
            edits.push({ start: node.end, end: node.end, text: fixName });
          }
          exportGetters.set("default", DEFAULT_LOCAL);
        }
        break;
      }
    }
  }

  for (const { node, kind } of findImportReferences(program, new Set(importBindings.keys()))) {
    const read = importBindings.get(node.name)!;
    const text = kind === "shorthand" ? `${node.name}: ${read}` : kind === "callee" ? `(0, ${read})` : read;
    edits.push({ start: node.start, end: node.end, text });
  }

  const dynamicRequests: string[] = [];
  collectMetaEdits(program, edits, dynamicRequests);

  if (requests.length > 0) {
    const declarations = requests.map((_, index) => `__flarelet_i${index} = ${MODULE_PARAMETER}.import(${index})`);
    header.unshift(`const ${declarations.join(", ")};`);
  }
  const getters = [...exportGetters].map(([name, read]) => `${JSON.stringify(name)}: () => ${read}`);
  header.push(`${MODULE_PARAMETER}.export({ ${getters.join(", ")} });`);

  const body = applyEdits(source, edits);
  const code =
    `(async function* (${MODULE_PARAMETER}) {"use strict"; ${header.join(" ")} yield;\n` +
    `${body}\n${trailer.join("")}})`;
  return { code, requests, starExports, dynamicRequests };
}

/** `import.meta` and `import()` are module-only syntax: both become calls into the module runtime. */
function collectMetaEdits(program: AnyNode, edits: Edit[], dynamicRequests: string[]): void {
  const visit = (node: AnyNode): void => {
    if (node.type === "MetaProperty" && node.meta.name === "import") {
      edits.push({ start: node.start, end: node.end, text: `${MODULE_PARAMETER}.meta` });
      return;
    }
    if (node.type === "ImportExpression") {
      // `import(x)` → `__flarelet_module.dynamicImport(x)`; import options are ignored.
      edits.push({ start: node.start, end: node.source.start, text: `${MODULE_PARAMETER}.dynamicImport(` });
      if (node.source.type === "Literal" && typeof node.source.value === "string") dynamicRequests.push(node.source.value);
      visit(node.source);
      if (node.options) edits.push({ start: node.source.end, end: node.end, text: ")" });
      return;
    }
    if (node.type === "ImportDeclaration") return;
    for (const key in node) {
      if (key === "type" || key === "start" || key === "end") continue;
      const value = node[key];
      if (Array.isArray(value)) {
        for (const item of value) if (item && typeof item.type === "string") visit(item);
      } else if (value && typeof value.type === "string") visit(value);
    }
  };
  visit(program);
}

function applyEdits(source: string, edits: Edit[]): string {
  edits.sort((a, b) => a.start - b.start || a.end - b.end);
  let out = "";
  let position = 0;
  for (const edit of edits) {
    out += source.slice(position, edit.start) + edit.text;
    position = edit.end;
  }
  return out + source.slice(position);
}

/** An export/import name: an identifier or, since ES2022, a string literal. */
function exportName(node: AnyNode): string {
  return node.type === "Identifier" ? node.name : String(node.value);
}

function member(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

function isAnonymousFunctionDefinition(node: AnyNode): boolean {
  return (
    ((node.type === "FunctionExpression" || node.type === "ClassExpression" || node.type === "ClassDeclaration") &&
      !node.id) ||
    node.type === "ArrowFunctionExpression"
  );
}

/** Where to insert a name into `function (…)`, `async function* (…)`: just before the parameter list. */
function anonymousFunctionNameAt(source: string, fn: AnyNode): number {
  // Between the declaration's start and its first parameter (or body) there are only the keywords
  // `async`, `function`, `*`, comments and whitespace; the parameter list's "(" is the first "(" outside
  // a comment.
  const limit = fn.params[0]?.start ?? fn.body.start;
  let index = fn.start;
  while (index < limit) {
    if (source.startsWith("/*", index)) index = source.indexOf("*/", index + 2) + 2;
    else if (source.startsWith("//", index)) index = source.indexOf("\n", index);
    else if (source[index] === "(") return index;
    else index++;
  }
  return index;
}
