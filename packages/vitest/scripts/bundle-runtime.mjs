/**
 * Bundles the runtime that runs inside vitest's test processes (dist/runtime/setup.js, cloudflare-test.js,
 * cloudflare-workers.js and everything they import, flarelet included) into dist/bundle/, one file per
 * entry plus a shared chunk.
 *
 * Why: vitest starts a fresh process for every test file (per-file isolation), and each one loads this
 * runtime again. Unbundled that is ~100 ES modules (core, web-sockets, http-server, flarelet, this package)
 * through Node's ESM loader, ~160 ms of CPU per test file here; bundled, ~70 ms, most of it Node's own
 * fetch (undici) loading. The shared chunk keeps one copy of the runtime's state for the three entries, so
 * `env` in `cloudflare:test` is the `env` the setup file created.
 *
 * The bundle has its own copy of flarelet's classes; everything in a test process that needs them (the
 * `cloudflare:` modules, the Workers globals) comes from it, so `instanceof` holds there. Left out, as
 * packages of their own (dependencies of this package, loaded only when needed): vitest (the test's own
 * instance), ws (first WebSocket to the network), smol-toml (first wrangler.toml), node-sqlite3-wasm
 * (Durable Object storage where Node has no node:sqlite; it loads its .wasm from beside its own script) and
 * esbuild (whose JS finds its native binary from its own folder; the bridge worker never needs bundling).
 * Since the bundle loads them from here, they are dependencies of this package.
 */
import { build } from "esbuild";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const packageRoot = fileURLToPath(new URL("..", import.meta.url));
// Chunk names carry a hash: a previous build's would otherwise stay beside the new ones.
rmSync(new URL("../dist/bundle", import.meta.url), { recursive: true, force: true });

await build({
  absWorkingDir: packageRoot,
  entryPoints: ["dist/runtime/setup.js", "dist/runtime/cloudflare-test.js", "dist/runtime/cloudflare-workers.js"],
  outdir: "dist/bundle",
  bundle: true,
  splitting: true,
  platform: "node",
  format: "esm",
  target: "node20.19",
  external: ["vitest", "ws", "smol-toml", "esbuild", "node-sqlite3-wasm"],
  // Whitespace and comments only: identifiers stay, so stack traces still name flarelet's functions.
  minifyWhitespace: true,
  logLevel: "warning",
});
