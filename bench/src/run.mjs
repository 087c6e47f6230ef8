#!/usr/bin/env node
/**
 * `pnpm bench`: flarelet's CLI against the platform's own ceiling (a raw `ws` echo server, a raw
 * `node:http` server) and, with --anchors, Miniflare 2, in the same run, alternating.
 *
 *     pnpm bench                  3 rounds, full durations (some minutes); writes BENCHMARKS.md
 *     pnpm bench --quick          1 round, short durations: a smoke test of the script (CI); writes nothing
 *     options: --anchors  --rounds N  --cases id,id  --write  --profile DIR  --json FILE  --help
 *
 * Each round runs every case once per contender, the contenders' order alternating from round to round;
 * each figure in the table is the median over rounds, with its ratio flarelet ÷ baseline. On a machine
 * with two CPUs or more, this process re-executes itself pinned to the first (the load generators) and
 * pins every server to the second. The exit code is non-zero only if a measurement could not be made
 * (a server failed to start, an echo came back wrong, …): targets are reported, never enforced.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { installMiniflare2, installMiniflare4, installVitestPoolWorkers, MINIFLARE2_VERSION, VITEST_POOL_WORKERS_VERSION } from "./anchors.mjs";
import { CASES, NOISY_CPUS } from "./cases.mjs";
import { FLARELET_CLI, makeContenders, ROOT_DIR } from "./contenders.mjs";
import { machineInfo, markdownTable, noiseSummary, roundsDetail, tableRows, textTable, writeBenchmarksFile } from "./report.mjs";
import { detectPinning, PINNED_ENV } from "./servers.mjs";

/** Durations and counts of a full run, and of a quick one (a CI smoke test: well under a minute). */
const FULL = {
  rounds: 3,
  wsWarmupMs: 1000,
  wsDurationMs: 5000,
  connections: 1000,
  /** The hibernation case's sockets, all in one object (the issue's figure). */
  hibernatedSockets: 10_000,
  connectConcurrency: 50,
  settleMs: 2000,
  httpWarmupS: 2,
  httpDurationS: 10,
  coldStartSamples: 5,
  reloadSamples: 5,
  /** Before each measurement, wait up to this long for the machine to be quiet. */
  quietWaitMs: 15_000,
};
const QUICK = {
  rounds: 1,
  wsWarmupMs: 200,
  wsDurationMs: 1000,
  connections: 250,
  hibernatedSockets: 1000,
  connectConcurrency: 50,
  settleMs: 300,
  httpWarmupS: 0.5,
  httpDurationS: 1.5,
  coldStartSamples: 2,
  reloadSamples: 2,
  quietWaitMs: 0,
};

const USAGE = `Usage: pnpm bench [options]   (or: node bench/src/run.mjs [options])

  --quick         1 round with short durations (a smoke test); does not write BENCHMARKS.md
  --anchors       also measure Miniflare ${MINIFLARE2_VERSION} (installed with npm into a temp folder), and
                  Miniflare 4 (workerd) in the Durable Object case (pnpm conformance's tools and cache),
                  and @cloudflare/vitest-pool-workers in the vitest case (npm-installed into a cache folder)
  --rounds N      rounds to run (default 3, or 1 with --quick)
  --cases IDS     only these cases, comma-separated: ${CASES.map((testCase) => testCase.id).join(", ")}
  --write         write BENCHMARKS.md even for a quick or partial run
  --profile DIR   run the servers under node --cpu-prof, profiles in DIR/<case>/<flarelet|baseline>/
                  (summarise one with: node bench/src/profile-summary.mjs DIR/<case>/flarelet)
  --json FILE     also write every round's figures as JSON
  --cli FILE      measure this flarelet CLI file instead of packages/flarelet/dist/cli.js
  --compare FILE  also measure this flarelet CLI file, as "candidate": a change tried in the same run
  -h, --help      show this help`;

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      anchors: { type: "boolean", default: false },
      rounds: { type: "string" },
      cases: { type: "string" },
      write: { type: "boolean", default: false },
      profile: { type: "string" },
      json: { type: "string" },
      cli: { type: "string" },
      compare: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  const settings = { ...(values.quick ? QUICK : FULL) };
  if (values.rounds !== undefined) {
    const rounds = Number(values.rounds);
    if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) throw new Error(`--rounds must be an integer from 1 to 20, got ${values.rounds}`);
    settings.rounds = rounds;
  }
  let cases = CASES;
  if (values.cases !== undefined) {
    const ids = values.cases.split(",").map((id) => id.trim()).filter(Boolean);
    const unknown = ids.filter((id) => !CASES.some((testCase) => testCase.id === id));
    if (unknown.length > 0) throw new Error(`Unknown case ${unknown.join(", ")}; the cases are ${CASES.map((testCase) => testCase.id).join(", ")}`);
    cases = CASES.filter((testCase) => ids.includes(testCase.id));
  }
  const partial = values.quick || cases.length !== CASES.length || values.cli !== undefined || values.compare !== undefined;
  return { ...values, settings, cases, writeFile: values.write || !partial };
}

/** Re-executes this script pinned to the load generator's CPU; resolves with its exit code. */
function reexecPinned(pinning) {
  return new Promise((resolve) => {
    const child = spawn("taskset", ["-c", String(pinning.loadCpu), process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
      stdio: "inherit",
      env: { ...process.env, [PINNED_ENV]: `${pinning.loadCpu},${pinning.serverCpu}` },
    });
    for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on("error", (error) => {
      console.error(`Could not run taskset: ${error.message}`);
      resolve(1);
    });
  });
}

/** The pinning the parent decided, from the environment of the re-executed process. */
function inheritedPinning(value) {
  const [loadCpu, serverCpu] = value.split(",").map(Number);
  return {
    pinned: true,
    loadCpu,
    serverCpu,
    description: `load generator on CPU ${loadCpu} (\`taskset -c ${loadCpu}\`), server on CPU ${serverCpu} (\`taskset -c ${serverCpu}\`)`,
  };
}

async function main() {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  const inherited = process.env[PINNED_ENV];
  let pinning;
  if (inherited === undefined || inherited === "") {
    pinning = detectPinning();
    if (pinning.pinned) return reexecPinned(pinning);
  } else {
    pinning = inheritedPinning(inherited);
  }
  const cli = options.cli === undefined ? FLARELET_CLI : path.resolve(options.cli);
  if (!existsSync(cli)) {
    console.error(`${path.relative(process.cwd(), cli)} is missing: build first (pnpm build), or run pnpm bench, which builds.`);
    return 1;
  }

  const { settings, cases } = options;
  const startedAt = new Date();
  const loadBefore = os.loadavg();
  const machine = machineInfo();
  console.log(`flarelet bench: ${options.quick ? "quick" : "full"} run, ${settings.rounds} round(s), ${cases.length} case(s)`);
  console.log(`${machine.cpu}, ${machine.cores} CPUs, ${machine.memoryGiB} GiB; Node ${machine.node}; ${pinning.description}`);
  console.log(`load average ${loadBefore.map((value) => value.toFixed(2)).join(" ")}`);
  if (loadBefore[0] > 0.5 * machine.cores) console.log("warning: the machine is busy; figures will be noisy (see uptime)");

  const miniflare2Cli = options.anchors ? installMiniflare2() : undefined;
  const miniflare4 = options.anchors && cases.some((testCase) => testCase.id === "do-broadcast") ? await installMiniflare4() : undefined;
  const vitestPoolWorkers = options.anchors && cases.some((testCase) => testCase.id === "vitest") ? installVitestPoolWorkers() : undefined;
  const workDir = mkdtempSync(path.join(os.tmpdir(), "flarelet-bench-"));
  const profileDir = options.profile === undefined ? undefined : path.resolve(options.profile);
  const candidateCli = options.compare === undefined ? undefined : path.resolve(options.compare);
  if (candidateCli !== undefined && !existsSync(candidateCli)) {
    console.error(`${candidateCli} (--compare) is missing.`);
    return 1;
  }
  const contenders = makeContenders({ pinning, workDir, cli, candidateCli, miniflare2Cli, miniflare4, vitestPoolWorkers, profileDir });
  if (options.cli !== undefined) console.log(`flarelet CLI: ${cli}`);
  if (candidateCli !== undefined) console.log(`candidate CLI: ${candidateCli}`);
  const contenderKeys = contenders.map((contender) => contender.key);

  /** @type {import("./report.mjs").Results} */
  const results = {};
  const failures = [];
  const began = Date.now();
  try {
    for (let round = 0; round < settings.rounds; round++) {
      // flarelet, baseline, … in one round; baseline, …, flarelet in the next.
      const order = contenders.map((_, index) => contenders[(index + round) % contenders.length]);
      for (const testCase of cases) {
        const present = order.filter(
          (contender) =>
            !(testCase.noBaseline && contender.key === "baseline") &&
            (contender.onlyCases === undefined || contender.onlyCases.includes(testCase.id)) &&
            !(contender.skipCases ?? []).includes(testCase.id),
        );
        const progress = (line) => console.log(`[round ${round + 1}/${settings.rounds}] ${testCase.id} ${line}`);
        const figures = await testCase.measureRound(present, settings, progress);
        for (const [key, value] of figures) {
          if (value instanceof Error) {
            if (key === "flarelet" || key === "baseline") failures.push(`${testCase.id}, ${key}, round ${round + 1}: ${value.message}`);
            continue;
          }
          for (const [figure, number] of Object.entries(value)) {
            ((results[testCase.id] ??= {})[key] ??= {})[figure] ??= [];
            results[testCase.id][key][figure].push(number);
          }
        }
      }
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }

  const loadAfter = os.loadavg();
  const rows = tableRows(cases, results, contenderKeys);
  console.log(`\n${textTable(rows)}\n`);
  console.log("ratio = flarelet ÷ baseline; ↑ higher is better, ↓ lower is better; medians over rounds.");
  console.log(`${Math.round((Date.now() - began) / 1000)} s; load average at the end ${loadAfter.map((value) => value.toFixed(2)).join(" ")}`);
  console.log(`other processes during the measurements: ${noiseSummary(results)}`);

  if (options.json !== undefined) {
    writeFileSync(options.json, `${JSON.stringify({ startedAt, machine, pinning, settings, results, failures }, null, 2)}\n`);
  }
  if (options.writeFile) {
    const file = path.join(ROOT_DIR, "BENCHMARKS.md");
    const generated = [
      `Run on ${startedAt.toISOString().slice(0, 10)} with \`${options.quick ? "pnpm bench --quick" : "pnpm bench"}${options.anchors ? " --anchors" : ""}\`: ` +
        `${settings.rounds} round(s), each figure the median over rounds.`,
      "",
      `- Machine: ${machine.cpu}, ${machine.cores} CPUs, ${machine.memoryGiB} GiB of memory; ${machine.os}`,
      `- Node ${machine.node}${miniflare2Cli === undefined ? "" : `; Miniflare ${MINIFLARE2_VERSION} (its CLI, run directly with --experimental-vm-modules)`}` +
        `${miniflare4 === undefined ? "" : `; Miniflare ${miniflare4.version} (workerd) on Node 22 for the Durable Object case`}` +
        `${vitestPoolWorkers === undefined ? "" : `; @cloudflare/vitest-pool-workers ${VITEST_POOL_WORKERS_VERSION} (workerd) on Node 22 for the vitest case`}`,
      `- Pinning: ${pinning.description}`,
      `- Load average (1, 5, 15 min) at the start ${loadBefore.map((value) => value.toFixed(2)).join(", ")}, at the end ${loadAfter.map((value) => value.toFixed(2)).join(", ")} ` +
        "(the bench itself keeps both CPUs busy while it measures)",
      `- Other processes during the measurements: ${noiseSummary(results)}`,
      `- Durations: WebSocket echo ${settings.wsWarmupMs / 1000} s warm-up + ${settings.wsDurationMs / 1000} s measured; HTTP ${settings.httpWarmupS} s warm-up + ${settings.httpDurationS} s; ` +
        `${settings.connections} connections, RSS read ${settings.settleMs / 1000} s after the last echo; cold start ${settings.coldStartSamples} samples per round; reload ${settings.reloadSamples} edits per round`,
      "",
      markdownTable(rows),
      "",
      "ratio = flarelet ÷ baseline (the baseline is raw `ws` for the WebSocket cases and a raw `node:http` server for HTTP and cold start). " +
        "↑: higher is better; ↓: lower is better. Targets are goals, not assertions. " +
        "The fetch floor is a bare `node:http` server that also builds the `Request` and `Response` every simulator must build " +
        "([bench/servers/http-fetch-floor.mjs](bench/servers/http-fetch-floor.mjs)): the best this Node version allows with those classes. " +
        "Server CPU is user + system time of the server process over the measured window, divided by the echoes or requests in it.",
      "",
      `<details><summary>Every round (* marks a measurement during which other processes used more than ${NOISY_CPUS} CPUs)</summary>`,
      "",
      roundsDetail(cases, results, contenderKeys, NOISY_CPUS),
      "",
      "</details>",
      failures.length === 0 ? "" : `\nFailed measurements:\n\n${failures.map((failure) => `- ${failure}`).join("\n")}`,
    ].join("\n");
    writeBenchmarksFile(file, generated);
    console.log(`Wrote ${path.relative(process.cwd(), file) || file}`);
  }
  if (failures.length > 0) {
    console.error(`\n${failures.length} measurement(s) failed:\n${failures.map((failure) => `- ${failure}`).join("\n")}`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
