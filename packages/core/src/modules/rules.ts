import path from "node:path";
import { FlareletError } from "../errors.js";

/** How a module file is loaded, named as in wrangler.toml `[[rules]]` and Miniflare 2's `modulesRules`. */
export type ModuleRuleType = "ESModule" | "CommonJS" | "Text" | "Data" | "CompiledWasm";

export interface ModuleRule {
  type: ModuleRuleType;
  /** Globs matched against the module's path relative to `rootPath`, e.g. `"**\/*.mjs"`. */
  include: string[];
  /** Let later rules of the same type still apply. Without it, the first rule of a type ends that type. */
  fallthrough?: boolean;
}

const RULE_TYPES: readonly ModuleRuleType[] = ["ESModule", "CommonJS", "Text", "Data", "CompiledWasm"];

/**
 * Applied after the user's rules. They follow wrangler's defaults, which treat `.js` as an ES module
 * (Miniflare 2 treated it as CommonJS, a frequent surprise), `.cjs` as CommonJS, and text, data and
 * WebAssembly by extension.
 */
export const DEFAULT_MODULE_RULES: readonly ModuleRule[] = [
  { type: "ESModule", include: ["**/*.mjs", "**/*.js"] },
  { type: "CommonJS", include: ["**/*.cjs"] },
  { type: "Text", include: ["**/*.txt", "**/*.html", "**/*.sql"] },
  { type: "Data", include: ["**/*.bin"] },
  { type: "CompiledWasm", include: ["**/*.wasm"] },
];

export interface CompiledRule {
  type: ModuleRuleType;
  /** The rule's globs, as regular expressions over a `/`-separated path. */
  patterns: RegExp[];
}

/** Decides each module's type from the rules; built once per load. */
export class ModuleRules {
  readonly #rules: CompiledRule[] = [];
  readonly #rootPath: string;

  /** The rules in the order they apply: the user's, then the defaults (minus types a rule already ended). */
  get rules(): readonly CompiledRule[] {
    return this.#rules;
  }

  constructor(rootPath: string, userRules: readonly ModuleRule[] = []) {
    this.#rootPath = rootPath;
    const finished = new Set<ModuleRuleType>();
    for (const rule of [...userRules, ...DEFAULT_MODULE_RULES]) {
      if (!RULE_TYPES.includes(rule.type)) {
        throw new FlareletError(
          "ERR_MODULE_RULE",
          `Unknown module rule type "${String(rule.type)}"; expected one of ${RULE_TYPES.join(", ")}.`,
        );
      }
      if (finished.has(rule.type)) continue;
      this.#rules.push({ type: rule.type, patterns: rule.include.map(globToRegExp) });
      if (!rule.fallthrough) finished.add(rule.type);
    }
  }

  /** The type that the first matching rule gives the module at absolute path `file`, if one matches. */
  find(file: string): ModuleRuleType | undefined {
    const relative = this.#relative(file);
    return this.#rules.find((rule) => rule.patterns.some((pattern) => pattern.test(relative)))?.type;
  }

  /** The type of the module at absolute path `file`, or throws naming the file and its importer. */
  typeOf(file: string, importer: string): ModuleRuleType {
    const type = this.find(file);
    if (type !== undefined) return type;
    throw new FlareletError(
      "ERR_MODULE_RULE",
      `No module rule matches "${this.#relative(file)}" (imported from ${importer}). Add one to modulesRules, ` +
        `e.g. { type: "ESModule", include: ["**/*${path.extname(file)}"] }.`,
    );
  }

  #relative(file: string): string {
    return path.relative(this.#rootPath, file).split(path.sep).join("/");
  }
}

/**
 * A glob as in wrangler rules: `**` any number of path segments, `*` anything but `/`, `?` one character,
 * `{a,b}` alternatives. (Node's `path.matchesGlob` would do, but still prints an ExperimentalWarning on
 * Node 20.)
 */
export function globToRegExp(glob: string): RegExp {
  let source = "";
  for (let index = 0; index < glob.length; index++) {
    const char = glob[index]!;
    if (char === "*") {
      if (glob[index + 1] === "*") {
        index++;
        // "**/" matches zero or more whole segments; a trailing "**" anything at all.
        if (glob[index + 1] === "/") {
          index++;
          source += "(?:.*/)?";
        } else source += ".*";
      } else source += "[^/]*";
    } else if (char === "?") source += "[^/]";
    else if (char === "{") {
      const close = glob.indexOf("}", index);
      if (close === -1) source += "\\{";
      else {
        const options = glob.slice(index + 1, close).split(",");
        source += `(?:${options.map((option) => globToRegExp(option).source.slice(1, -1)).join("|")})`;
        index = close;
      }
    } else source += /[.+^$()|[\]\\]/.test(char) ? `\\${char}` : char;
  }
  return new RegExp(`^${source}$`);
}
