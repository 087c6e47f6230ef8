/**
 * Which modules vitest must load as plain Node modules rather than pass through vite: this package's own
 * runtime and flarelet's packages. vitest already does so for anything under `node_modules`; in a workspace
 * that links the packages (flarelet's own repository, a monorepo using `workspace:` versions) their real
 * paths are outside it, and vitest would otherwise run all of flarelet through vite's module runner, slower
 * and unlike an installed copy. The runtime state must also be one module instance per test process, which
 * native loading guarantees.
 */
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** This package's folder (`dist/` or `src/` inside it). */
export const OWN_DIR = path.dirname(fileURLToPath(import.meta.url));

/** The package folder that `specifier` resolves to from `from` (a file), following symlinks. */
function packageDir(specifier: string, from: string): string | undefined {
  try {
    let dir = path.dirname(realpathSync(createRequire(from).resolve(specifier)));
    while (!existsSync(path.join(dir, "package.json"))) {
      const parent = path.dirname(dir);
      if (parent === dir) return undefined;
      dir = parent;
    }
    return dir;
  } catch {
    return undefined;
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** `flarelet` and every `@flarelet/*` package it depends on, plus this package's own folder. */
export function flareletPackageDirs(): string[] {
  const ownFile = fileURLToPath(import.meta.url);
  const dirs = new Set<string>([realpathSync(OWN_DIR)]);
  const flarelet = packageDir("flarelet", ownFile);
  if (flarelet !== undefined) {
    dirs.add(flarelet);
    const manifest = JSON.parse(readFileSync(path.join(flarelet, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
    for (const name of Object.keys(manifest.dependencies ?? {})) {
      if (!name.startsWith("@flarelet/")) continue;
      const dir = packageDir(name, path.join(flarelet, "package.json"));
      if (dir !== undefined) dirs.add(dir);
    }
  }
  return [...dirs];
}

/** vitest `server.deps.external` patterns for those folders' built files. */
export function flareletExternals(): RegExp[] {
  return flareletPackageDirs().map((dir) => new RegExp(`^${escape(dir)}${escape(path.sep)}.*\\.js$`));
}
