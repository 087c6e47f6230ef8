/**
 * The oracle's tools: the npm packages `node` (a Node 22 binary: Miniflare 4 needs Node >= 22) and
 * `miniflare` (which ships workerd), at pinned versions, installed with npm on first use into the cache
 * folder, never into the workspace: they are no dependency of any flarelet package. About 360 MB on disk,
 * 15–30 s to install.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** Versions that work together here (../shared/TOOLCHAIN.md): change them together, results are keyed by them. */
export const NODE_VERSION = "22.23.3";
export const MINIFLARE_VERSION = "4.20260730.0";

/** Where tools and workerd's results are kept: $FLARELET_CONFORMANCE_CACHE, or ~/.cache/flarelet/conformance. */
export function cacheDir() {
  if (process.env.FLARELET_CONFORMANCE_CACHE) return path.resolve(process.env.FLARELET_CONFORMANCE_CACHE);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "flarelet", "conformance");
}

/** Installs the tools if needed; resolves to the Node 22 binary and Miniflare 4's entry module. */
export function ensureTools(log = console.error) {
  const dir = path.join(cacheDir(), "tools", `node-${NODE_VERSION}-miniflare-${MINIFLARE_VERSION}`);
  const tools = {
    node: path.join(dir, "node_modules", "node", "bin", "node"),
    miniflare: path.join(dir, "node_modules", "miniflare", "dist", "src", "index.js"),
  };
  if (existsSync(tools.node) && existsSync(tools.miniflare)) return tools;

  log(`conformance: installing node@${NODE_VERSION} and miniflare@${MINIFLARE_VERSION} into ${dir} (once)…`);
  const staging = `${dir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  execFileSync(
    "npm",
    ["install", "--prefix", staging, "--no-save", "--no-package-lock", "--no-audit", "--no-fund", "--loglevel=error",
      `node@${NODE_VERSION}`, `miniflare@${MINIFLARE_VERSION}`],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  // Another run may have finished first: keep whichever copy is in place.
  if (!existsSync(dir)) renameSync(staging, dir);
  else rmSync(staging, { recursive: true, force: true });
  execFileSync(tools.node, ["--version"], { stdio: "ignore" });
  return tools;
}
