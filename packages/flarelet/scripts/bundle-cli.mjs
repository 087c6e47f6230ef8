/**
 * Bundles the `flarelet` command into one file, dist/cli.js, over the per-module output of tsc.
 *
 * Why: start-up is part of the product, and loading ~70 small ES modules (core, web-sockets, http-server,
 * this package) through Node's ESM loader costs more than the code in them: one bundled file starts about
 * 50 ms sooner on a cold start (see README "Start-up cost"). Only the command is bundled; the library
 * entry (dist/index.js) stays tsc's output, so that `instanceof` holds across the packages for API users.
 *
 * The first-party packages are bundled from their built dist/ (what is published), and so are acorn and
 * ws (loaded lazily, as in their packages). smol-toml stays external: wrangler.ts loads it with
 * createRequire only when a wrangler.toml is read, and it is this package's own dependency.
 */
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const packageRoot = fileURLToPath(new URL("..", import.meta.url));

await build({
  absWorkingDir: packageRoot,
  entryPoints: ["src/cli.ts"],
  outfile: "dist/cli.js",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20.19",
  external: ["smol-toml"],
  // ws is CommonJS: its require() calls of Node built-ins need a real `require` in an ES module.
  banner: {
    js: 'import { createRequire as __flareletCreateRequire } from "node:module";\nconst require = __flareletCreateRequire(import.meta.url);',
  },
  logLevel: "warning",
});
