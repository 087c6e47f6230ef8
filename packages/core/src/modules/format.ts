/**
 * What a JavaScript entry looks like before anything runs: whether it exports (a modules worker, when the
 * `modules` option does not say) and whether it imports (a service worker that imports needs bundling into
 * one script). A source without the words `import` and `export` needs no parser at all (`mayBeModule`):
 * most service-worker scripts load without acorn.
 */
import type { AnyNode } from "./ast.js";

export interface EntryShape {
  exports: boolean;
  imports: boolean;
}

/** False when `source` certainly neither imports nor exports. */
export function mayBeModule(source: string): boolean {
  return /\b(?:import|export)\b/.test(source);
}

export function entryShape(source: string, parse: (source: string) => AnyNode): EntryShape {
  let program: AnyNode;
  try {
    program = parse(source);
  } catch {
    // Not a valid module: a service worker (its own syntax error is reported when it runs), unless it
    // plainly exports, and then the modules loader reports the syntax error.
    return { exports: /^\s*export\b/m.test(source), imports: false };
  }
  let exports = false;
  let imports = false;
  for (const node of program.body as AnyNode[]) {
    if (node.type === "ImportDeclaration") imports = true;
    else if (node.type.startsWith("Export")) {
      exports = true;
      if (node.source) imports = true;
    }
  }
  return { exports, imports };
}
