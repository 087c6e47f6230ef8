/**
 * What the packages of this repository import from each other, checked over every source and test file:
 * the plugin platform holds only if first-party packages use the public surface a third party has.
 *
 * - `@flarelet/core/internal` (the Response WebSocket brand) only in `@flarelet/web-sockets`' sources and
 *   core's own tests; `@flarelet/kv`, written as a third party would, must not need it.
 * - No file reaches into another package by a relative path (`../../core/src/…`) or a deep import
 *   (`@flarelet/core/src/…`).
 * - No import cycle among a package's own source files (type-only imports aside: they vanish at run time).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../src/index.js";

const PACKAGES = path.join(REPO, "packages");

/** Where `@flarelet/core/internal` may be imported, relative to packages/. */
const INTERNAL_ALLOWED = [/^web-sockets\/src\//, /^core\/test\//];

function filesUnder(dir: string): string[] {
  const files: string[] = [];
  const walk = (current: string) => {
    for (const name of readdirSync(current)) {
      if (name === "node_modules" || name === "dist" || name.startsWith(".")) continue;
      const full = path.join(current, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.(ts|mts|mjs|js)$/.test(name) && !name.endsWith(".d.ts")) files.push(full);
    }
  };
  walk(dir);
  return files;
}

interface ImportStatement {
  specifier: string;
  typeOnly: boolean;
}

/** Static imports and re-exports, and `import()` of a string literal. */
function importsOf(source: string): ImportStatement[] {
  const found: ImportStatement[] = [];
  for (const match of source.matchAll(/^\s*(import|export)\s+(type\s+)?([^;]*?)\s*from\s+["']([^"']+)["']/gm)) {
    const names = match[3]!.trim();
    const allTypes = /^\{([^}]*)\}$/.test(names) && names.slice(1, -1).split(",").every((name) => name.trim() === "" || name.trim().startsWith("type "));
    found.push({ specifier: match[4]!, typeOnly: match[2] !== undefined || allTypes });
  }
  for (const match of source.matchAll(/^\s*import\s+["']([^"']+)["']/gm)) found.push({ specifier: match[1]!, typeOnly: false });
  for (const match of source.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) found.push({ specifier: match[1]!, typeOnly: false });
  return found;
}

const packageNames = readdirSync(PACKAGES).filter((name) => statSync(path.join(PACKAGES, name, "package.json"), { throwIfNoEntry: false }) !== undefined);
const allFiles = packageNames.flatMap((name) => [...filesUnder(path.join(PACKAGES, name, "src")), ...filesUnder(path.join(PACKAGES, name, "test"))].filter((file) => statSync(file, { throwIfNoEntry: false })));

describe("imports between packages", () => {
  it("finds the packages and their files", () => {
    expect(packageNames).toEqual(expect.arrayContaining(["core", "web-sockets", "http-server", "flarelet", "test-utils"]));
    expect(allFiles.length).toBeGreaterThan(100);
  });

  it("@flarelet/core/internal only where the brand is needed", () => {
    const offenders = allFiles
      .map((file) => path.relative(PACKAGES, file).split(path.sep).join("/"))
      .filter((relative) => importsOf(readFileSync(path.join(PACKAGES, relative), "utf8")).some((statement) => statement.specifier === "@flarelet/core/internal"))
      .filter((relative) => !INTERNAL_ALLOWED.some((allowed) => allowed.test(relative)));
    expect(offenders).toEqual([]);
  });

  it("no package reaches into another's files", () => {
    const offenders: string[] = [];
    for (const file of allFiles) {
      const packageRoot = path.join(PACKAGES, path.relative(PACKAGES, file).split(path.sep)[0]!);
      for (const { specifier } of importsOf(readFileSync(file, "utf8"))) {
        const deep = /^@flarelet\/[^/]+\/(src|dist|test)\//.test(specifier);
        const outside = specifier.startsWith(".") && !path.resolve(path.dirname(file), specifier).startsWith(packageRoot + path.sep);
        if (deep || outside) offenders.push(`${path.relative(REPO, file)}: ${specifier}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it.each(packageNames)("%s: no import cycle among its source files", (name) => {
    const sources = filesUnder(path.join(PACKAGES, name, "src"));
    const graph = new Map<string, string[]>();
    for (const file of sources) {
      const targets = importsOf(readFileSync(file, "utf8"))
        .filter((statement) => !statement.typeOnly && statement.specifier.startsWith("."))
        .map((statement) => path.resolve(path.dirname(file), statement.specifier).replace(/\.js$/, ".ts"));
      graph.set(file, targets);
    }
    const cycles: string[] = [];
    const done = new Set<string>();
    const visit = (file: string, stack: string[]) => {
      const at = stack.indexOf(file);
      if (at !== -1) {
        cycles.push([...stack.slice(at), file].map((item) => path.relative(PACKAGES, item)).join(" → "));
        return;
      }
      if (done.has(file)) return;
      for (const target of graph.get(file) ?? []) visit(target, [...stack, file]);
      done.add(file);
    };
    for (const file of sources) visit(file, []);
    expect(cycles).toEqual([]);
  });
});
