/**
 * Bundles the `flarelet` command (src/cli/main.ts) into one CommonJS file, dist/cli-bundle.cjs, which
 * dist/cli.js runs with a V8 code cache (src/compile-cache.ts).
 *
 * Why: start-up is part of the product. Loading ~70 small ES modules (core, web-sockets, http-server, this
 * package) through Node's ESM loader cost about 50 ms more than one bundled file, and compiling that file
 * another ~15 ms that the code cache saves. CommonJS, because only a `vm.Script` can be given a code cache
 * on Node 20. Only the command is bundled; the library entry (dist/index.js) stays tsc's output, so that
 * `instanceof` holds across the packages for API users.
 *
 * The bundle is whitespace-minified and plain ASCII (checked below).
 *
 * The first-party packages are bundled from their built dist/ (what is published), and so is acorn, which
 * every modules-format worker needs at start-up (and so benefits from the cache). Left out, as packages of
 * their own: smol-toml (loaded only when a wrangler.toml is read) and ws (loaded on the first WebSocket,
 * and ~120 KB that start-up need not read).
 */
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const packageRoot = fileURLToPath(new URL("..", import.meta.url));

await build({
  absWorkingDir: packageRoot,
  entryPoints: ["src/cli/main.ts"],
  outfile: "dist/cli-bundle.cjs",
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20.19",
  // node-sqlite3-wasm loads its .wasm file from beside its own script, so it cannot be bundled.
  external: ["smol-toml", "ws", "esbuild", "node-sqlite3-wasm"],
  // import("ws") becomes a require(): a vm.Script has no module loader for import() (compile-cache.ts).
  supported: { "dynamic-import": false },
  // The sources read files next to themselves through import.meta.url, which CommonJS does not have.
  define: { "import.meta.url": "__flareletImportMetaUrl" },
  banner: { js: 'const __flareletImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  // Whitespace and comments only: identifiers stay, so stack traces still name flarelet's functions. A
  // third smaller file is read faster at every start, and esbuild escapes every other non-ASCII character.
  minifyWhitespace: true,
  logLevel: "warning",
});

// compile-cache.ts reads the bundle as latin1, which is faster than UTF-8 and the same for ASCII.
const bundle = readFileSync(new URL("../dist/cli-bundle.cjs", import.meta.url));
const nonAscii = bundle.findIndex((byte) => byte > 0x7f);
if (nonAscii !== -1) throw new Error(`dist/cli-bundle.cjs is not ASCII (byte ${nonAscii}); compile-cache.ts reads it as latin1`);
