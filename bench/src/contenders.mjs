/**
 * Who is measured: flarelet (the built CLI, as a user runs it), the baseline (a raw `ws` echo server or a
 * raw `node:http` hello server, whichever the case needs), for HTTP the "fetch floor" (node:http plus the
 * Request/Response objects every simulator builds: what this Node version allows at best), with
 * --compare FILE a second build of flarelet's CLI (a change being tried), and with --anchors Miniflare 2.
 *
 * Each serves one of two apps:
 * - "echo": the seed page's echo worker (examples/echo.mjs); the baseline is servers/ws-echo.mjs;
 * - "hello": workers/hello.mjs ("Hello World!"); the baseline is servers/http-hello.mjs.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, startServer } from "./servers.mjs";

export const BENCH_DIR = path.resolve(fileURLToPath(import.meta.url), "..", "..");
export const ROOT_DIR = path.resolve(BENCH_DIR, "..");
export const FLARELET_CLI = path.join(ROOT_DIR, "packages", "flarelet", "dist", "cli.js");
export const ECHO_WORKER = path.join(ROOT_DIR, "examples", "echo.mjs");
export const HELLO_WORKER = path.join(BENCH_DIR, "workers", "hello.mjs");
const WS_ECHO_SERVER = path.join(BENCH_DIR, "servers", "ws-echo.mjs");
const HTTP_HELLO_SERVER = path.join(BENCH_DIR, "servers", "http-hello.mjs");
const HTTP_FETCH_FLOOR_SERVER = path.join(BENCH_DIR, "servers", "http-fetch-floor.mjs");

/**
 * @typedef {"echo" | "hello"} App
 * @typedef {object} Contender
 * @property {"flarelet" | "baseline" | "floor" | "candidate" | "miniflare2"} key
 * @property {string[]} [onlyCases]  the cases it takes part in (default: all)
 * @property {(app: App) => string} label                 e.g. "ws" for the echo baseline
 * @property {RegExp} [reloadLine]   what it prints after a reload under --watch (group 1: its duration in ms)
 * @property {(app: App, options?: { script?: string, watch?: boolean, tag?: string }) => Promise<import("./servers.mjs").ServerProcess>} start
 */

/**
 * @param {object} context
 * @param {ReturnType<typeof import("./servers.mjs").detectPinning>} context.pinning
 * @param {string} context.workDir     an empty folder: the servers' cwd (no wrangler.toml or .env there)
 * @param {string} [context.cli]  the flarelet CLI file to run (default: the built one)
 * @param {string} [context.candidateCli]  a second flarelet CLI file, measured as "candidate" (--compare)
 * @param {string} [context.miniflare2Cli]
 * @param {string} [context.profileDir] write CPU profiles of the flarelet and baseline servers here
 * @returns {Contender[]}
 */
export function makeContenders({ pinning, workDir, cli = FLARELET_CLI, candidateCli, miniflare2Cli, profileDir }) {
  const scriptFor = (app) => (app === "echo" ? ECHO_WORKER : HELLO_WORKER);
  /** flarelet's CLI from `file`, as contender `key`. */
  const flareletFrom = (file, key) => ({
    key,
    label: () => key,
    reloadLine: /Reloaded in ([\d.]+)ms/,
    start: (app, options = {}) => {
      const profile = profileArgs(profileDir, options.tag ?? app, key);
      const argv = [...profile, file, options.script ?? scriptFor(app), "--modules", "--port", "0"];
      if (options.watch) argv.push("--watch");
      return startServer({ name: key, argv, cwd: workDir, pinning });
    },
  });
  const flarelet = flareletFrom(cli, "flarelet");
  const baseline = {
    key: "baseline",
    label: (app) => (app === "echo" ? "ws" : "node:http"),
    start: (app, options = {}) => {
      const script = app === "echo" ? WS_ECHO_SERVER : HTTP_HELLO_SERVER;
      const profile = profileArgs(profileDir, options.tag ?? app, "baseline");
      return startServer({ name: baseline.label(app), argv: [...profile, script, "0"], cwd: workDir, pinning });
    },
  };
  // A reference, not a target: node:http plus only the Request/Response work every simulator must do.
  const floor = {
    key: "floor",
    onlyCases: ["http", "cold-start"],
    label: () => "node:http + fetch objects",
    start: (app, options = {}) => {
      const profile = profileArgs(profileDir, options.tag ?? app, "floor");
      return startServer({ name: "fetch floor", argv: [...profile, HTTP_FETCH_FLOOR_SERVER, "0"], cwd: workDir, pinning });
    },
  };
  const contenders = [flarelet, baseline, floor];
  if (candidateCli !== undefined) contenders.push(flareletFrom(candidateCli, "candidate"));
  if (miniflare2Cli !== undefined) {
    contenders.push({
      key: "miniflare2",
      label: () => "Miniflare 2",
      reloadLine: /Worker reloaded!/,
      start: async (app, options = {}) => {
        const port = await freePort();
        // What its `miniflare` bin (bootstrap.js) runs, without the extra bootstrap process. No update
        // check and no `cf` fetch: nothing may leave this machine.
        const argv = [
          "--experimental-vm-modules",
          "--no-warnings",
          miniflare2Cli,
          options.script ?? scriptFor(app),
          "--modules",
          "--host",
          "127.0.0.1",
          "--port",
          String(port),
          "--no-update-check",
          "--no-cf-fetch",
        ];
        if (options.watch) argv.push("--watch");
        return startServer({ name: "Miniflare 2", argv, cwd: workDir, pinning, port });
      },
    });
  }
  return contenders;
}

/** `node --cpu-prof` into DIR/<case>/<contender>, for `--profile DIR`; nothing without it. */
function profileArgs(profileDir, tag, key) {
  if (profileDir === undefined) return [];
  const dir = path.join(profileDir, tag, key);
  mkdirSync(dir, { recursive: true });
  return ["--cpu-prof", "--cpu-prof-dir", dir];
}
