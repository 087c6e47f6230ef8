#!/usr/bin/env node
/**
 * `pnpm conformance`: every case in conformance/cases/ on workerd (Miniflare 4 on Node 22) and on flarelet,
 * at each compatibility date, compared; writes docs/conformance.md.
 *
 *     pnpm conformance                       everything; writes docs/conformance.md
 *     pnpm conformance --filter Response     only cases whose name contains the text (nothing written)
 *     pnpm conformance --check               also fail when a case does worse than conformance/known-differences.txt says
 *     options: --date D  --refresh  --update-known  --show-same  --help
 *
 * workerd's results are cached in the cache folder (see toolchain.mjs), keyed by the case's source, the date,
 * the harness files and the tools' versions: a rerun only starts workerd for new or edited cases.
 */
import { fork } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { DATES, datesOf, loadCases, sha256 } from "./cases.mjs";
import { render, verdictOf } from "./compare.mjs";
import { checkKnown, departureAnchors, readKnown, writeKnown } from "./known.mjs";
import { countsOf, percent, writeReport } from "./report.mjs";
import { cacheDir, ensureTools, MINIFLARE_VERSION, NODE_VERSION } from "./toolchain.mjs";

const USAGE = `Usage: pnpm conformance [options]   (or: node conformance/src/run.mjs [options])

  --filter TEXT    only cases whose name contains TEXT (case-insensitive); repeatable; writes nothing
  --date DATE      only this compatibility date (${DATES.join(" or ")}); writes nothing
  --check          exit 1 when a case does worse than conformance/known-differences.txt lists (CI)
  --update-known   rewrite conformance/known-differences.txt from this run
  --refresh        run workerd again even for cached results
  --show-same      print matching cases too, not only the differences
  --help`;

const { values: args } = parseArgs({
  options: {
    filter: { type: "string", multiple: true },
    date: { type: "string", multiple: true },
    check: { type: "boolean" },
    "update-known": { type: "boolean" },
    refresh: { type: "boolean" },
    "show-same": { type: "boolean" },
    help: { type: "boolean" },
  },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const SRC = path.dirname(fileURLToPath(import.meta.url));
const started = Date.now();
const allCases = await loadCases();
const filters = (args.filter ?? []).map((text) => text.toLowerCase());
const cases = allCases.filter((testCase) => filters.length === 0 || filters.some((text) => testCase.name.toLowerCase().includes(text)));
const dates = args.date ?? DATES;
for (const date of dates) if (!DATES.includes(date)) throw new Error(`--date must be one of ${DATES.join(", ")}`);
const complete = filters.length === 0 && args.date === undefined;

const jobs = [];
for (const date of dates) for (const testCase of cases) if (datesOf(testCase).includes(date)) jobs.push({ date, testCase });

// workerd: from the cache where possible.
const harnessHash = sha256(
  ["prelude.mjs", "worker-source.mjs", "driver.mjs", "clients.mjs", "upstream.mjs", "workerd-runtime.mjs"]
    .map((file) => readFileSync(path.join(SRC, file), "utf8"))
    .join("\0"),
);
const resultsDir = path.join(cacheDir(), "results");
const keyOf = ({ date, testCase }) =>
  sha256(JSON.stringify([NODE_VERSION, MINIFLARE_VERSION, harnessHash, date, testCase.source]));
const workerd = new Map();
let workerdVersion = readCachedVersion();
const missing = [];
for (const job of jobs) {
  const file = path.join(resultsDir, `${keyOf(job)}.json`);
  if (!args.refresh && existsSync(file)) workerd.set(`${job.date}\t${job.testCase.name}`, JSON.parse(readFileSync(file, "utf8")));
  else missing.push(job);
}

const flareletRun = runChild(process.execPath, "flarelet", jobs, {});
let workerdRun = Promise.resolve(undefined);
if (missing.length > 0) {
  console.error(`conformance: ${missing.length} case runs not cached for workerd; starting it`);
  const tools = ensureTools();
  workerdRun = runChild(tools.node, "workerd", missing, { CONFORMANCE_MINIFLARE: tools.miniflare });
}
const [flareletResult, workerdResult] = await Promise.all([flareletRun, workerdRun]);
if (workerdResult !== undefined) {
  mkdirSync(resultsDir, { recursive: true });
  workerdVersion = workerdResult.version;
  writeFileSync(path.join(cacheDir(), "workerd-version.txt"), workerdVersion);
  for (const job of missing) {
    const observed = workerdResult.results.get(`${job.date}\t${job.testCase.name}`);
    if (observed === undefined) continue;
    workerd.set(`${job.date}\t${job.testCase.name}`, observed);
    // A harness failure (a timeout, say) is not cached: it may be the machine's, not workerd's.
    if (!("harness" in Object(observed))) writeFileSync(path.join(resultsDir, `${keyOf(job)}.json`), JSON.stringify(observed));
  }
}

const rows = jobs.map(({ date, testCase }) => {
  const key = `${date}\t${testCase.name}`;
  const w = workerd.get(key);
  const f = flareletResult.results.get(key);
  return { date, name: testCase.name, area: testCase.area, workerd: w, flarelet: f, verdict: verdictOf(w, f) };
});

// Print.
for (const row of rows) {
  if (row.verdict === "same" && !args["show-same"]) continue;
  console.log(`[${row.date}] ${row.verdict.toUpperCase().padEnd(9)} ${row.name}`);
  console.log(`    workerd:  ${render(row.workerd)}`);
  if (row.verdict !== "same") console.log(`    flarelet: ${render(row.flarelet)}`);
}
console.log("");
for (const date of dates) {
  const ofDate = rows.filter((row) => row.date === date);
  const counts = countsOf(ofDate);
  console.log(
    `${date}: ${ofDate.length} cases, ${counts.same} same (${percent(counts.same, ofDate.length)}), ` +
      `${counts.message} message only, ${counts.different} different`,
  );
}

const known = readKnown();
if (complete) {
  writeReport({ rows, dates, versions: { workerd: workerdVersion ?? "(unknown)", flarelet: flareletResult.version }, known });
  console.log("wrote docs/conformance.md");
}
if (args["update-known"]) {
  if (!complete) throw new Error("--update-known needs a complete run (no --filter or --date)");
  writeKnown(rows, known);
  console.log("wrote conformance/known-differences.txt");
}
console.log(`conformance: ${((Date.now() - started) / 1000).toFixed(1)} s`);

if (args.check) {
  const result = checkKnown(rows, readKnown(), departureAnchors(), { complete });
  for (const line of result.improvements) console.log(`improved (update known-differences.txt): ${line}`);
  for (const line of result.stale) console.log(`listed but not run (remove from known-differences.txt): ${line}`);
  for (const line of result.regressions) console.log(`REGRESSION: ${line}`);
  for (const id of result.undocumented) console.log(`UNDOCUMENTED: departure "${id}" has no <a id="${id}"></a> in docs/departures.md`);
  const failed = result.regressions.length + result.undocumented.length;
  console.log(`conformance check: ${rows.length - result.regressions.length} case runs as expected, ${failed} problems`);
  if (failed > 0) process.exitCode = 1;
}

/** Runs jobs in a child process of `node` (the runtime's side of the harness); resolves to its results. */
function runChild(node, which, list, env) {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(SRC, "child.mjs"), [which], {
      execPath: node,
      env: { ...process.env, ...env },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    child.on("message", (message) => {
      if (message.ready) child.send({ jobs: list.map(({ date, testCase }) => [date, testCase.name]) });
      else resolve({ version: message.version, results: new Map(message.results.map(([d, n, o]) => [`${d}\t${n}`, o])) });
    });
    child.on("exit", (code) => reject(new Error(`the ${which} side of the harness exited (code ${code}) before it finished`)));
    child.on("error", reject);
  });
}

function readCachedVersion() {
  const file = path.join(cacheDir(), "workerd-version.txt");
  return existsSync(file) ? readFileSync(file, "utf8").trim() : undefined;
}
