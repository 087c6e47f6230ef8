/**
 * Server processes under test: spawning one (pinned to its own CPU), waiting for the URL it prints,
 * reading its memory, and stopping it. Only processes started here are ever stopped, by their PID.
 *
 *     bench (CPU 0: load generators)          server (CPU 1)
 *     run.mjs ──spawn: taskset -c 1 node …──► "Listening on http://127.0.0.1:PORT"
 *             ◄──────── 127.0.0.1 only ─────► flarelet CLI | ws echo | node:http hello | Miniflare 2
 *
 * `taskset` execs the command, so the PID we get is the server's own (its RSS is the server's).
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { once } from "node:events";
import net from "node:net";

/** The environment variable that marks the re-executed, pinned bench process. */
export const PINNED_ENV = "FLARELET_BENCH_PINNED";

/** How much of a server's output is kept for error messages. */
const KEPT_OUTPUT = 4096;

/**
 * Which CPUs the load generator and the servers get: the first two CPUs this process may run on, when
 * there are at least two and `taskset` exists. Unpinned, a 1-client ping-pong swings 2–3× with
 * scheduling alone.
 */
export function detectPinning() {
  const allowed = allowedCpus();
  const hasTaskset = spawnSync("taskset", ["--version"], { stdio: "ignore" }).status === 0;
  if (allowed.length < 2 || !hasTaskset) {
    const why = allowed.length < 2 ? `only ${allowed.length} CPU` : "no taskset";
    return { pinned: false, loadCpu: undefined, serverCpu: undefined, description: `unpinned (${why})` };
  }
  const [loadCpu, serverCpu] = allowed;
  return {
    pinned: true,
    loadCpu,
    serverCpu,
    description: `load generator on CPU ${loadCpu} (\`taskset -c ${loadCpu}\`), server on CPU ${serverCpu} (\`taskset -c ${serverCpu}\`)`,
  };
}

/** The CPUs this process may run on (`Cpus_allowed_list` in /proc/self/status), e.g. "0-1" → [0, 1]. */
function allowedCpus() {
  try {
    const status = readFileSync("/proc/self/status", "utf8");
    const list = /^Cpus_allowed_list:\s*(\S+)/m.exec(status)?.[1];
    if (list === undefined) return [];
    const cpus = [];
    for (const part of list.split(",")) {
      const [from, to = from] = part.split("-").map(Number);
      for (let cpu = from; cpu <= to && cpus.length < 1024; cpu++) cpus.push(cpu);
    }
    return cpus;
  } catch {
    return [];
  }
}

/** A free TCP port on 127.0.0.1, for servers that cannot report the one they got (Miniflare 2). */
export async function freePort() {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address();
  server.close();
  await once(server, "close");
  return port;
}

/**
 * A running server process.
 * @typedef {object} ServerProcess
 * @property {string} name       who it is ("flarelet", "ws", "node:http", "miniflare 2")
 * @property {number} pid
 * @property {string} url        http://127.0.0.1:PORT
 * @property {string} wsUrl      ws://127.0.0.1:PORT/
 * @property {bigint} spawnedAt  process.hrtime.bigint() just before spawn
 * @property {bigint} readyAt    when its listening line arrived
 * @property {() => string} output   the end of its output
 * @property {(pattern: RegExp, timeoutMs: number) => Promise<RegExpExecArray>} waitForLine
 * @property {() => number} rssKiB
 * @property {() => number} cpuMs   CPU time (user + system) used so far, in ms (10 ms resolution)
 * @property {() => Promise<void>} stop
 */

/**
 * Spawns `node <argv…>` pinned to the server CPU and resolves once it prints "Listening on …".
 * @param {object} spec
 * @param {string} spec.name
 * @param {string[]} spec.argv        arguments to node (script and its flags)
 * @param {string} spec.cwd
 * @param {ReturnType<typeof detectPinning>} spec.pinning
 * @param {number} [spec.port]        the port it was told to use, when it does not print the real one
 * @param {Record<string, string>} [spec.env]
 * @param {number} [spec.timeoutMs]
 * @param {string} [spec.node]         another Node binary to run it with (Miniflare 4 needs Node 22)
 * @returns {Promise<ServerProcess>}
 */
export async function startServer({ name, argv, cwd, pinning, port, env = {}, timeoutMs = 20_000, node = process.execPath }) {
  const command = pinning.pinned ? "taskset" : node;
  const args = pinning.pinned ? ["-c", String(pinning.serverCpu), node, ...argv] : argv;
  const spawnedAt = process.hrtime.bigint();
  const child = spawn(command, args, {
    cwd,
    // Plain output (no colour codes), and none of the bench's own pinning marker.
    env: { ...process.env, [PINNED_ENV]: "", NO_COLOR: "1", FORCE_COLOR: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  /** The end of its output (stdout and stderr), for error messages. */
  let tail = "";
  /** @type {Set<(line: string) => void>} */
  const lineWatchers = new Set();
  const onData = (stream) => {
    let partial = "";
    stream.setEncoding("utf8");
    // Always read: a server whose pipe fills up blocks on its next log line (flarelet logs every request).
    // Lines are split only while someone waits for one, so that reading the request log costs the load
    // generator's CPU next to nothing.
    stream.on("data", (chunk) => {
      tail += chunk;
      if (tail.length > 2 * KEPT_OUTPUT) tail = tail.slice(-KEPT_OUTPUT);
      if (lineWatchers.size === 0) {
        partial = "";
        return;
      }
      const parts = (partial + chunk).split("\n");
      partial = parts.pop() ?? "";
      for (const line of parts) for (const watcher of lineWatchers) watcher(line);
    });
  };
  const output = () => tail.slice(-KEPT_OUTPUT);
  onData(child.stdout);
  onData(child.stderr);
  let exited = false;
  const exit = new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      exited = true;
      resolve({ code, signal });
    });
    // Spawning itself failed (no taskset, no node): there is no process to wait for.
    child.once("error", (error) => {
      exited = true;
      tail += `\n${error.message}`;
      resolve({ code: null, signal: null });
    });
  });

  /** Resolves with the first line (from now on) matching `pattern`. */
  const waitForLine = (pattern, waitMs) =>
    new Promise((resolve, reject) => {
      const done = (error, match) => {
        clearTimeout(timer);
        lineWatchers.delete(watcher);
        if (error) reject(error);
        else resolve(match);
      };
      const watcher = (line) => {
        const match = pattern.exec(line);
        if (match) done(undefined, match);
      };
      const timer = setTimeout(() => done(new Error(`${name}: no line matching ${pattern} within ${waitMs} ms\n${output()}`)), waitMs);
      lineWatchers.add(watcher);
      exit.then(({ code, signal }) => done(new Error(`${name} exited (code ${code}, signal ${signal}) before printing ${pattern}:\n${output()}`)));
    });

  /** Stops the process we started, by its PID: SIGTERM, then SIGKILL if it is still there after 3 s. */
  const stop = async () => {
    if (exited) return;
    const signal = (name) => {
      try {
        process.kill(child.pid, name);
      } catch {
        // it exited meanwhile
      }
    };
    signal("SIGTERM");
    const timer = setTimeout(() => {
      if (!exited) signal("SIGKILL");
    }, 3000);
    await exit;
    clearTimeout(timer);
  };

  try {
    const match = await waitForLine(/Listening on (?:http:\/\/)?([\d.]+):(\d+)/, timeoutMs);
    const readyAt = process.hrtime.bigint();
    const listenPort = port ?? Number(match[2]);
    const host = match[1] === "" ? "127.0.0.1" : match[1];
    return {
      name,
      pid: child.pid,
      url: `http://${host}:${listenPort}`,
      wsUrl: `ws://${host}:${listenPort}/`,
      spawnedAt,
      readyAt,
      output,
      waitForLine,
      rssKiB: () => readRssKiB(child.pid),
      cpuMs: () => readCpuMs(child.pid),
      stop,
    };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}

/** A process's resident set size in KiB (VmRSS in /proc/<pid>/status). */
export function readRssKiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s*(\d+)\s*kB/m.exec(status);
  if (match === null) throw new Error(`No VmRSS for process ${pid}`);
  return Number(match[1]);
}

/** Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`; 100 on Linux). */
export const CLOCK_TICKS = (() => {
  const result = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
  const ticks = Number(result.stdout?.trim());
  return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
})();

/**
 * A process's CPU time, user + system, in ms (utime and stime in /proc/<pid>/stat). The load generator's
 * CPU time is not in it: this is what the server itself spent, a figure that a busy machine disturbs much
 * less than throughput.
 */
export function readCpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]); // fields 14 and 15 of the whole line
  return (ticks * 1000) / CLOCK_TICKS;
}
