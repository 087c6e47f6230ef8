/**
 * The vitest case: `vitest run` over a project of 20 small Workers test files (vitest-project.mjs), timed
 * from spawn to exit, with the CPU time and the peak memory of the whole process tree.
 *
 *     baseline            plain vitest, 20 files of trivial tests (per-file isolation: a process per file)
 *     flarelet            @flarelet/vitest as installed: a fresh worker per file, in shared processes
 *     flareletIsolated    @flarelet/vitest with vitest's isolate: true (a process per file, as the baseline)
 *     vitestPoolWorkers   --anchors: @cloudflare/vitest-pool-workers (workerd) on Node 22, same test files
 *
 * Every test must pass (vitest's JSON report is read), or the measurement fails. vitest runs on every CPU
 * this machine allows, as a user's would: the bench's own pinning is lifted for it (`taskset`).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { BENCH_DIR } from "./contenders.mjs";
import { CLOCK_TICKS } from "./servers.mjs";
import { TEST_FILES, TESTS_PER_FILE, writeFloorProject, writeWorkersProject } from "./vitest-project.mjs";

const RUN_TIMEOUT_MS = 5 * 60_000;
/** How often the process tree's memory is read. */
const SAMPLE_MS = 50;
/** /proc/<pid>/stat counts RSS in pages. */
const PAGE_KIB = (Number(spawnSync("getconf", ["PAGESIZE"], { encoding: "utf8" }).stdout) || 4096) / 1024;

/** The contenders this case knows, and how each runs. */
export const VITEST_CONTENDERS = ["baseline", "flarelet", "flareletIsolated", "vitestPoolWorkers"];

/**
 * Runs one contender's project once. `tools` is `{ node, nodeModules }` for vitest-pool-workers (--anchors),
 * `allCpus` the CPU list for `taskset` (or undefined where there is no pinning to lift).
 */
export async function runVitestProject(key, { tools, allCpus }) {
  const root = mkdtempSync(path.join(os.tmpdir(), `flarelet-bench-vitest-${key}-`));
  try {
    const benchModules = path.join(BENCH_DIR, "node_modules");
    let node = process.execPath;
    if (key === "baseline") {
      writeFloorProject(root, { nodeModules: benchModules });
    } else if (key === "vitestPoolWorkers") {
      writeWorkersProject(root, { pluginSpecifier: "@cloudflare/vitest-pool-workers", nodeModules: tools.nodeModules });
      node = tools.node;
    } else {
      writeWorkersProject(root, { pluginSpecifier: "@flarelet/vitest", nodeModules: benchModules });
      if (key === "flareletIsolated") {
        writeFileSync(
          path.join(root, "vitest.config.mjs"),
          'import { cloudflareTest } from "@flarelet/vitest";\n\nexport default { plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" } })], test: { isolate: true } };\n',
        );
      }
    }
    const report = path.join(root, "report.json");
    const argv = [path.join(root, "node_modules", "vitest", "vitest.mjs"), "run", "--reporter=json", `--outputFile=${report}`];
    const result = await runMeasured(node, argv, root, allCpus);
    const json = JSON.parse(readFileSync(report, "utf8"));
    const expected = TEST_FILES * TESTS_PER_FILE;
    if (json.numPassedTests !== expected || json.numFailedTests !== 0) {
      const failed = json.testResults.flatMap((file) => file.assertionResults.filter((test) => test.status !== "passed").map((test) => `${test.fullName}: ${test.failureMessages[0]?.split("\n")[0]}`));
      throw new Error(`${json.numPassedTests}/${expected} tests passed; ${failed.slice(0, 3).join("; ")}`);
    }
    return result;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Spawns `node argv` in `cwd`; wall time, the tree's CPU time and its peak RSS (sum over its processes). */
function runMeasured(node, argv, cwd, allCpus) {
  return new Promise((resolve, reject) => {
    const command = allCpus === undefined ? node : "taskset";
    const args = allCpus === undefined ? argv : ["-c", allCpus, node, ...argv];
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { cwd, env: { ...process.env, CI: "", FORCE_COLOR: "0" }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr = (stderr + chunk).slice(-4096)));
    const tree = new TreeMeter(child.pid);
    const sampler = setInterval(() => tree.sample(), SAMPLE_MS);
    const timeout = setTimeout(() => child.kill("SIGKILL"), RUN_TIMEOUT_MS);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearInterval(sampler);
      clearTimeout(timeout);
      const wallS = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) return reject(new Error(`vitest exited with ${code ?? signal}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`));
      resolve({ wallS, cpuS: tree.cpuS, peakRssMiB: tree.peakRssKiB / 1024 });
    });
  });
}

/**
 * The process tree under `rootPid`, read from /proc: its peak total RSS, and the CPU time of every process
 * seen in it (each one's last reading; a process that ends between two readings loses at most 50 ms).
 */
class TreeMeter {
  #root;
  #cpuTicks = new Map();
  peakRssKiB = 0;

  constructor(rootPid) {
    this.#root = rootPid;
  }

  get cpuS() {
    let ticks = 0;
    for (const value of this.#cpuTicks.values()) ticks += value;
    return ticks / CLOCK_TICKS;
  }

  sample() {
    const parents = new Map();
    const stats = new Map();
    for (const name of safeReaddir("/proc")) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, "utf8");
        // Fields after the command (which may hold spaces), from field 3: state, ppid, …, utime (14), stime (15).
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        parents.set(Number(name), Number(fields[1]));
        stats.set(Number(name), { ticks: Number(fields[11]) + Number(fields[12]), rssPages: Number(fields[21]) });
      } catch {
        // The process ended while we read.
      }
    }
    let rssKiB = 0;
    for (const [pid, stat] of stats) {
      if (!this.#inTree(pid, parents)) continue;
      this.#cpuTicks.set(pid, stat.ticks);
      rssKiB += stat.rssPages * PAGE_KIB;
    }
    this.peakRssKiB = Math.max(this.peakRssKiB, rssKiB);
  }

  #inTree(pid, parents) {
    for (let current = pid, depth = 0; current !== undefined && depth < 64; current = parents.get(current), depth++) {
      if (current === this.#root) return true;
    }
    return false;
  }
}

function safeReaddir(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
