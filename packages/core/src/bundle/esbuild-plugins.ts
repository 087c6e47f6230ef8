/**
 * The esbuild plugins that make a bundle the way wrangler makes one for workerd:
 *
 * - built-in modules (`cloudflare:*`, `node:*`, a plugin's specifiers) stay imports of the bundle, for the
 *   module graph to resolve at load time (and to fail there, naming the nodejs_compat flag if need be);
 * - a CommonJS `require()` of one becomes an import too: esbuild's ES module output cannot `require()`
 *   (its `__require` shim throws "Dynamic require of … is not supported");
 * - files that module rules make Text, Data or CompiledWasm stay separate modules, imported by absolute
 *   path, so that the module graph loads them with their rule (an ArrayBuffer, a `WebAssembly.Module`), as
 *   workerd loads the extra modules wrangler uploads beside the bundle.
 */
import type { Plugin as EsbuildPlugin } from "esbuild";
import path from "node:path";
import type { CompiledRule } from "../modules/rules.js";

const REQUIRE_NAMESPACE = "flarelet-require-builtin";
/** Marks a resolution we asked esbuild for ourselves, so that our own onResolve lets it through. */
const OWN_RESOLVE = Symbol("flarelet-own-resolve");

/** Specifiers that are built-in modules: these prefixes, plus exact names (plugins', Node's bare ones). */
export interface BuiltinSpecifiers {
  readonly prefixes: RegExp;
  readonly names: ReadonlySet<string>;
}

export function builtinsPlugin(builtins: BuiltinSpecifiers): EsbuildPlugin {
  const names = [...builtins.names].map(escapeRegExp);
  const filter = names.length === 0 ? builtins.prefixes : new RegExp(`${builtins.prefixes.source}|^(?:${names.join("|")})$`);
  return {
    name: "flarelet-builtins",
    setup(build) {
      build.onResolve({ filter }, (args) => {
        if (!builtins.prefixes.test(args.path) && !builtins.names.has(args.path)) return undefined;
        if (args.kind === "require-call") return { path: args.path, namespace: REQUIRE_NAMESPACE };
        return { path: args.path, external: true };
      });
      build.onLoad({ filter: /.*/, namespace: REQUIRE_NAMESPACE }, (args) => ({
        // `require()` of a built-in gives its default export when it has one (node:buffer's is the module).
        contents:
          `import * as builtin from ${JSON.stringify(args.path)};\n` +
          `module.exports = "default" in builtin ? builtin.default : builtin;\n`,
        loader: "js",
      }));
    },
  };
}

/** Files matching a Text, Data or CompiledWasm rule stay separate modules (see the header). */
export function moduleRulesPlugin(rules: readonly CompiledRule[]): EsbuildPlugin {
  const valueRules = rules.filter((rule) => rule.type === "Text" || rule.type === "Data" || rule.type === "CompiledWasm");
  return {
    name: "flarelet-module-rules",
    setup(build) {
      for (const rule of valueRules) {
        for (const pattern of rule.patterns) {
          // Matched against the import specifier, as wrangler does; `?module` is wrangler's marker for wasm.
          build.onResolve({ filter: new RegExp(pattern.source.replace(/\$$/, "(?:\\?module)?$")) }, async (args) => {
            if (args.pluginData === OWN_RESOLVE) return undefined;
            const specifier = args.path.replace(/\?module$/, "");
            if (specifier.startsWith(".") || path.isAbsolute(specifier)) {
              const file = path.resolve(args.resolveDir, specifier);
              return { path: file, external: true, watchFiles: [file] };
            }
            // A file inside a package: let esbuild find it, then keep it out of the bundle.
            const resolved = await build.resolve(specifier, { kind: args.kind, resolveDir: args.resolveDir, pluginData: OWN_RESOLVE });
            if (resolved.errors.length > 0) return { errors: resolved.errors };
            return { path: resolved.path, external: true, watchFiles: [resolved.path] };
          });
        }
      }
    },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}
