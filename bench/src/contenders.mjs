/**
 * Who is measured: flarelet (the built CLI, as a user runs it), the baseline (a raw `ws` echo server or a
 * raw `node:http` hello server, whichever the case needs), for HTTP the "fetch floor" (node:http plus the
 * Request/Response objects every simulator builds: what this Node version allows at best), with
 * --compare FILE a second build of flarelet's CLI (a change being tried), and with --anchors Miniflare 2.
 *
 * Each serves one of two apps:
 * - "echo": the seed page's echo worker (examples/echo.mjs); the baseline is servers/ws-echo.mjs;
 * - "hello": workers/hello.mjs ("Hello World!"); the baseline is servers/http-hello.mjs;
 * - "room": workers/room.mjs, a Durable Object broadcasting to every socket of one room; the baseline is
 *   servers/ws-room.mjs, and with --anchors Miniflare 4 (workerd) runs it too (servers/miniflare4-room.mjs);
 * - "hibernation": workers/hibernating-room.mjs, a Durable Object holding hibernatable sockets, flarelet
 *   told to hibernate it soon and to log it (--debug); the baseline is the raw `ws` echo server.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { HIBERNATE_AFTER_MS } from "./hibernation-case.mjs";
import { freePort, startServer } from "./servers.mjs";

export const BENCH_DIR = path.resolve(fileURLToPath(import.meta.url), "..", "..");
export const ROOT_DIR = path.resolve(BENCH_DIR, "..");
export const FLARELET_CLI = path.join(ROOT_DIR, "packages", "flarelet", "dist", "cli.js");
export const ECHO_WORKER = path.join(ROOT_DIR, "examples", "echo.mjs");
export const HELLO_WORKER = path.join(BENCH_DIR, "workers", "hello.mjs");
export const ROOM_WORKER = path.join(BENCH_DIR, "workers", "room.mjs");
export const HIBERNATING_WORKER = path.join(BENCH_DIR, "workers", "hibernating-room.mjs");
const WS_ROOM_SERVER = path.join(BENCH_DIR, "servers", "ws-room.mjs");
const MINIFLARE4_ROOM_SERVER = path.join(BENCH_DIR, "servers", "miniflare4-room.mjs");
const WS_ECHO_SERVER = path.join(BENCH_DIR, "servers", "ws-echo.mjs");
const HTTP_HELLO_SERVER = path.join(BENCH_DIR, "servers", "http-hello.mjs");
const HTTP_FETCH_FLOOR_SERVER = path.join(BENCH_DIR, "servers", "http-fetch-floor.mjs");

/**
 * @typedef {"echo" | "hello" | "room" | "hibernation"} App
 * @typedef {object} Contender
 * @property {"flarelet" | "baseline" | "floor" | "candidate" | "miniflare2" | "workerd"} key
 * @property {string[]} [onlyCases]  the cases it takes part in (default: all)
 * @property {string[]} [skipCases]  cases it cannot run
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
 * @param {{ node: string, miniflare: string }} [context.miniflare4]  Node 22 and Miniflare 4 (--anchors)
 * @param {{ node: string, nodeModules: string }} [context.vitestPoolWorkers]  Node 22 and vitest-pool-workers (--anchors)
 * @param {string} [context.profileDir] write CPU profiles of the flarelet and baseline servers here
 * @returns {Contender[]}
 */
export function makeContenders({ pinning, workDir, cli = FLARELET_CLI, candidateCli, miniflare2Cli, miniflare4, vitestPoolWorkers, profileDir }) {
  const scriptFor = (app) =>
    app === "echo" ? ECHO_WORKER : app === "room" ? ROOM_WORKER : app === "hibernation" ? HIBERNATING_WORKER : HELLO_WORKER;
  /** The room workers' Durable Object namespace, for the CLIs that run them. */
  const roomArgs = (app, doFlag) => (app === "room" ? [doFlag, "ROOMS=Room"] : app === "hibernation" ? [doFlag, "ROOMS=HibernatingRoom"] : []);
  /** flarelet's CLI from `file`, as contender `key`. */
  const flareletFrom = (file, key) => ({
    key,
    label: () => key,
    reloadLine: /Reloaded in ([\d.]+)ms/,
    start: (app, options = {}) => {
      const profile = profileArgs(profileDir, options.tag ?? app, key);
      const argv = [...profile, file, options.script ?? scriptFor(app), "--modules", "--port", "0", ...roomArgs(app, "-o")];
      if (app === "room" || app === "hibernation") argv.push("--compat-date", "2025-09-01");
      // Hibernate soon after the last event, and say so in the log (the case waits for that line).
      if (app === "hibernation") argv.push("--do-hibernate-after", String(HIBERNATE_AFTER_MS), "--debug");
      if (options.watch) argv.push("--watch");
      return startServer({ name: key, argv, cwd: workDir, pinning });
    },
  });
  const flarelet = flareletFrom(cli, "flarelet");
  const baseline = {
    key: "baseline",
    label: (app) => (app === "echo" || app === "hibernation" ? "ws" : app === "room" ? "ws room" : "node:http"),
    start: (app, options = {}) => {
      const script = app === "echo" || app === "hibernation" ? WS_ECHO_SERVER : app === "room" ? WS_ROOM_SERVER : HTTP_HELLO_SERVER;
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
  if (candidateCli !== undefined) contenders.push({ ...flareletFrom(candidateCli, "candidate"), skipCases: ["vitest"] });
  if (miniflare2Cli !== undefined) {
    contenders.push({
      key: "miniflare2",
      // Miniflare 2 has no `cloudflare:workers` module, which the room workers import.
      skipCases: ["do-broadcast", "do-hibernated-sockets", "vitest"],
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
          ...roomArgs(app, "--do"),
        ];
        if (options.watch) argv.push("--watch");
        return startServer({ name: "Miniflare 2", argv, cwd: workDir, pinning, port });
      },
    });
  }
  // The vitest case (vitest-case.mjs) runs projects, not servers: its contenders carry what it needs.
  const allCpus = pinning.pinned ? `${pinning.loadCpu},${pinning.serverCpu}` : undefined;
  flarelet.allCpus = allCpus;
  baseline.allCpus = allCpus;
  contenders.push({ key: "flareletIsolated", onlyCases: ["vitest"], label: () => "flarelet, a process per file", allCpus, start: notAServer });
  if (vitestPoolWorkers !== undefined) {
    contenders.push({ key: "vitestPoolWorkers", onlyCases: ["vitest"], label: () => "vitest-pool-workers", vitestTools: vitestPoolWorkers, allCpus, start: notAServer });
  }
  if (miniflare4 !== undefined) {
    contenders.push({
      key: "workerd",
      onlyCases: ["do-broadcast"],
      label: () => "Miniflare 4 (workerd)",
      start: async () => {
        const port = await freePort();
        const argv = [MINIFLARE4_ROOM_SERVER, miniflare4.miniflare, ROOM_WORKER, String(port)];
        return startServer({ name: "Miniflare 4", argv, cwd: workDir, pinning, port, node: miniflare4.node, timeoutMs: 60_000 });
      },
    });
  }
  return contenders;
}

function notAServer() {
  throw new Error("this contender runs vitest projects, not a server");
}

/** `node --cpu-prof` into DIR/<case>/<contender>, for `--profile DIR`; nothing without it. */
function profileArgs(profileDir, tag, key) {
  if (profileDir === undefined) return [];
  const dir = path.join(profileDir, tag, key);
  mkdirSync(dir, { recursive: true });
  return ["--cpu-prof", "--cpu-prof-dir", dir];
}
