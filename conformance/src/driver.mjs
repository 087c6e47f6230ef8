/**
 * Runs cases on one runtime (flarelet or workerd: the same code for both, in each runtime's own child
 * process) and returns what each case observed, as JSON-ready values.
 *
 * - `run`/`global` cases with the same date and options share one batched worker (worker-source.mjs);
 * - a `worker` case, or a `run` case with a `client`, gets its own worker;
 * - a worker that fails to load gives every case in it `{ loadError }`;
 * - `client` functions run here, against the runtime's own server.
 *
 * Observed JSON is made comparable across runs: the local ports of the upstream server, of the "refused"
 * address and of the runtime's server are replaced by fixed names.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { clientContext } from "./clients.mjs";
import { datesOf, functionExpression } from "./cases.mjs";
import { PRELUDE } from "./prelude.mjs";
import { startUpstream } from "./upstream.mjs";
import { batchedWorker } from "./worker-source.mjs";

const DISPATCH_TIMEOUT_MS = 5000;
/**
 * Headers of a dispatched response that belong to how it travelled, not to what the worker answered:
 * Miniflare 4's dispatchFetch goes through a local HTTP hop (adding `mf-*` headers and chunked framing).
 */
const TRANSPORT_HEADERS = /^(date|content-length|transfer-encoding|connection|keep-alive|mf-.*)$/;
const CLIENT_TIMEOUT_MS = 15000;
/** Workers started at once (each is a workerd process on the workerd side; the machine is small). */
const CONCURRENCY = 3;

const { serialize } = new Function(`${PRELUDE}; return __conformance;`)();

/** jobs: [{ testCase, date }]. Resolves to Map<"date\tname", observed>. */
export async function runJobs(runtime, jobs, { onProgress } = {}) {
  const upstream = await startUpstream();
  const results = new Map();
  const replacements = [
    [upstream.origin.replace("http://", ""), "upstream"],
    [upstream.refused.replace("http://", ""), "refused"],
  ];
  const bindings = { UPSTREAM: upstream.origin, REFUSED: upstream.refused };
  try {
    const units = planUnits(jobs);
    let next = 0;
    const workerLoop = async () => {
      while (next < units.length) {
        const unit = units[next++];
        const observed = await runUnit(runtime, unit, bindings, replacements);
        for (const [name, value] of observed) {
          results.set(`${unit.date}\t${name}`, value);
          onProgress?.(unit.date, name);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, workerLoop));
  } finally {
    await upstream.close();
  }
  return results;
}

/** Groups jobs into units of work: one batched worker per (date, options), one worker per other case. */
function planUnits(jobs) {
  const batches = new Map();
  const units = [];
  for (const { testCase, date } of jobs) {
    if (!datesOf(testCase).includes(date)) continue;
    const alone = testCase.kind === "worker" || testCase.client !== undefined;
    if (alone) {
      units.push({ date, options: testCase.options ?? {}, cases: [testCase], alone: true });
      continue;
    }
    const key = `${date}\t${JSON.stringify(testCase.options ?? {})}`;
    let batch = batches.get(key);
    if (batch === undefined) {
      batch = { date, options: testCase.options ?? {}, cases: [], alone: false };
      batches.set(key, batch);
      units.push(batch);
    }
    batch.cases.push(testCase);
  }
  return units;
}

async function runUnit(runtime, unit, bindings, replacements) {
  const observed = new Map();
  const { date, options } = unit;
  const flags = options.compatibilityFlags ?? [];
  const allBindings = { ...bindings, ...options.bindings };
  let source;
  let paths;
  if (unit.alone) {
    const testCase = unit.cases[0];
    source = testCase.kind === "worker"
      ? { script: testCase.worker, modules: testCase.modules ?? true, files: testCase.files }
      : { script: `${PRELUDE}\nexport default { fetch: ${functionExpression(testCase.run)} };\n`, modules: true };
  } else {
    const batch = batchedWorker(unit.cases);
    source = { script: batch.script, modules: true };
    paths = batch.paths;
  }

  let directory;
  let instance;
  try {
    let start = { script: source.script, modules: source.modules, date, flags, bindings: allBindings, durableObjects: options.durableObjects };
    if (source.files !== undefined) {
      directory = mkdtempSync(path.join(os.tmpdir(), "flarelet-conformance-"));
      writeFileSync(path.join(directory, "index.mjs"), source.script);
      for (const [name, contents] of Object.entries(source.files)) {
        mkdirSync(path.dirname(path.join(directory, name)), { recursive: true });
        writeFileSync(path.join(directory, name), contents);
      }
      start = { ...start, script: undefined, scriptPath: path.join(directory, "index.mjs"), rootPath: directory };
    }
    try {
      instance = await runtime.start(start);
    } catch (error) {
      const loadError = error?.loadError ?? { $: "error", class: null, name: "Error", message: String(error?.message ?? error) };
      for (const testCase of unit.cases) observed.set(testCase.name, clean({ loadError }, replacements));
      return observed;
    }
    for (const testCase of unit.cases) {
      let value;
      try {
        value = await observe(instance, testCase, paths, replacements);
      } catch (error) {
        value = { harness: `${error?.name ?? "Error"}: ${error?.message ?? error}` };
      }
      observed.set(testCase.name, clean(value, replacements));
    }
  } finally {
    await instance?.dispose().catch(() => {});
    if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
  }
  return observed;
}

async function observe(instance, testCase, paths, replacements) {
  if (testCase.client !== undefined) {
    const origin = await instance.origin();
    const context = clientContext(origin);
    const value = await withTimeout(Promise.resolve().then(() => testCase.client(context)), CLIENT_TIMEOUT_MS);
    replacements.push([origin.replace("http://", ""), "server"]);
    return serialize(value);
  }
  if (testCase.kind === "worker") {
    const response = await withTimeout(
      instance.dispatch(testCase.request.path ?? "/", requestInit(testCase.request)),
      DISPATCH_TIMEOUT_MS,
    );
    if (response.harness !== undefined || response.threw !== undefined) return response;
    return { ...response, headers: response.headers.filter(([name]) => !TRANSPORT_HEADERS.test(name)) };
  }
  const response = await withTimeout(
    instance.dispatch(paths.get(testCase.name), requestInit(testCase.request ?? {})),
    DISPATCH_TIMEOUT_MS,
  );
  if (response.harness !== undefined) return response;
  if (response.status !== 200) return { harness: `status ${response.status}: ${response.body.split("\n")[0]}` };
  return JSON.parse(response.body);
}

function requestInit({ method, headers, body } = {}) {
  return { method: method ?? "GET", headers: headers ?? {}, ...(body === undefined ? {} : { body }) };
}

function withTimeout(promise, ms) {
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ harness: `no answer within ${ms / 1000} s` }), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The observed value with local ports replaced by fixed names, through its JSON text. */
function clean(value, replacements) {
  let text = JSON.stringify(value);
  for (const [from, to] of replacements) text = text.split(from).join(to);
  return JSON.parse(text);
}
