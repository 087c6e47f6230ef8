/**
 * --anchors: Miniflare 2.14.4, the simulator flarelet succeeds, measured in the same run. It is installed
 * with npm into a folder of the system's temp directory (kept between runs, never in the repository), and
 * its CLI is run directly. If it cannot be installed, the bench says so and goes on without it.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export const MINIFLARE2_VERSION = "2.14.4";
const INSTALL_TIMEOUT_MS = 5 * 60_000;

/** The path of Miniflare 2's CLI, installing it first if needed; undefined (with a message) if impossible. */
export function installMiniflare2(log = console.log) {
  const prefix = path.join(os.tmpdir(), `flarelet-bench-miniflare-${MINIFLARE2_VERSION}`);
  const cli = path.join(prefix, "node_modules", "miniflare", "dist", "src", "cli.js");
  if (existsSync(cli)) return cli;
  log(`Installing miniflare@${MINIFLARE2_VERSION} into ${prefix} (for --anchors)…`);
  mkdirSync(prefix, { recursive: true });
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const result = spawnSync(
    npm,
    ["install", "--prefix", prefix, "--no-save", "--no-package-lock", "--no-audit", "--no-fund", `miniflare@${MINIFLARE2_VERSION}`],
    { encoding: "utf8", timeout: INSTALL_TIMEOUT_MS },
  );
  if (result.status === 0 && existsSync(cli)) return cli;
  const why = result.error?.message ?? (result.stderr || result.stdout || `exit ${result.status}`).trim().split("\n").slice(-5).join("\n");
  log(`Could not install miniflare@${MINIFLARE2_VERSION}; going on without Miniflare 2.\n${why}`);
  return undefined;
}

/**
 * --anchors, for the Durable Object case: Node 22 and Miniflare 4 (which ships workerd), the same tools
 * and cache folder as `pnpm conformance` (conformance/src/toolchain.mjs: installed with npm on first use,
 * never into the workspace). Undefined, with a message, if they cannot be installed.
 */
export async function installMiniflare4(log = console.log) {
  try {
    const { ensureTools, MINIFLARE_VERSION } = await import("../../conformance/src/toolchain.mjs");
    const tools = ensureTools(log);
    return { ...tools, version: MINIFLARE_VERSION };
  } catch (error) {
    log(`Could not install Miniflare 4 and Node 22; going on without them.\n${error?.message ?? error}`);
    return undefined;
  }
}

/** @cloudflare/vitest-pool-workers, with the vitest it supports, for the vitest case (--anchors). */
export const VITEST_POOL_WORKERS_VERSION = "0.23.0";
const VITEST_VERSION = "4.1.12";
const POOL_WORKERS_NODE_VERSION = "22.23.3";

/**
 * --anchors, for the vitest case: @cloudflare/vitest-pool-workers (which runs tests in workerd and needs
 * Node >= 22), vitest and Node 22, installed with npm on first use into a cache folder of their own
 * (never a dependency of the workspace). Undefined, with a message, if they cannot be installed.
 */
export function installVitestPoolWorkers(log = console.log) {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  const dir = path.join(base, "flarelet", "vitest-bench", "tools", `vitest-pool-workers-${VITEST_POOL_WORKERS_VERSION}-vitest-${VITEST_VERSION}-node-${POOL_WORKERS_NODE_VERSION}`);
  const tools = { node: path.join(dir, "node_modules", "node", "bin", "node"), nodeModules: path.join(dir, "node_modules") };
  if (existsSync(tools.node) && existsSync(path.join(tools.nodeModules, "@cloudflare", "vitest-pool-workers"))) return tools;
  log(`Installing @cloudflare/vitest-pool-workers@${VITEST_POOL_WORKERS_VERSION}, vitest@${VITEST_VERSION} and node@${POOL_WORKERS_NODE_VERSION} into ${dir} (for --anchors)…`);
  const staging = `${dir}.partial-${process.pid}`;
  mkdirSync(staging, { recursive: true });
  const result = spawnSync(
    "npm",
    ["install", "--prefix", staging, "--no-save", "--no-package-lock", "--no-audit", "--no-fund", "--loglevel=error",
      `node@${POOL_WORKERS_NODE_VERSION}`, `@cloudflare/vitest-pool-workers@${VITEST_POOL_WORKERS_VERSION}`, `vitest@${VITEST_VERSION}`],
    { encoding: "utf8", timeout: INSTALL_TIMEOUT_MS },
  );
  if (result.status === 0) {
    if (!existsSync(dir)) renameSync(staging, dir);
    else rmSync(staging, { recursive: true, force: true });
    if (existsSync(tools.node)) return tools;
  }
  rmSync(staging, { recursive: true, force: true });
  const why = result.error?.message ?? (result.stderr || result.stdout || `exit ${result.status}`).trim().split("\n").slice(-5).join("\n");
  log(`Could not install @cloudflare/vitest-pool-workers; going on without it.\n${why}`);
  return undefined;
}
