/**
 * Non-JavaScript imports by wrangler's module rules, as flarelet and wrangler load them: `import page from
 * "./page.html"` is the file's text (`Text`: `.txt`, `.html`, `.sql` by default), `.bin` an `ArrayBuffer`
 * (`Data`), `.wasm` a `WebAssembly.Module` (`CompiledWasm`); the wrangler config's `rules` (or the `miniflare`
 * option `modulesRules`) come first. vite would otherwise load such a file as JavaScript, or refuse it.
 * JavaScript files (`ESModule`, `CommonJS`) stay vite's, with its transforms.
 */
import { ModuleRules, type ModuleRule } from "@flarelet/core";
import { readFileSync } from "node:fs";
import path from "node:path";

/** Which imports the plugin loads itself; `load(id)` gives their code, or undefined for anything else. */
export class ModuleRuleLoader {
  readonly #rules: ModuleRules;

  /** `root` is the project root, which the rules' globs are relative to (as in flarelet). */
  constructor(root: string, rules: readonly ModuleRule[] | undefined) {
    this.#rules = new ModuleRules(root, rules);
  }

  load(id: string): string | undefined {
    // vite's ids may carry a query (`?import`); files outside the file system (`\0virtual`) are not ours.
    const file = id.split("?", 1)[0]!;
    if (!path.isAbsolute(file) || id.startsWith("\0")) return undefined;
    const type = this.#rules.find(file);
    if (type === "Text") return `export default ${JSON.stringify(readFileSync(file, "utf8"))};\n`;
    if (type === "Data") return `${bytesOf(file)}\nexport default bytes.buffer;\n`;
    if (type === "CompiledWasm") return `${bytesOf(file)}\nexport default new WebAssembly.Module(bytes);\n`;
    return undefined;
  }
}

/** A module prologue that declares `bytes`, a Uint8Array of the file's contents (an ArrayBuffer of its own). */
function bytesOf(file: string): string {
  const base64 = readFileSync(file).toString("base64");
  return `const bytes = Uint8Array.from(atob(${JSON.stringify(base64)}), (char) => char.charCodeAt(0));`;
}
