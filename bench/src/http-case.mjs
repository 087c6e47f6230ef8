/**
 * HTTP hello world with autocannon: `connections` keep-alive connections to 127.0.0.1, one request at a
 * time each (no pipelining), a warm-up run, then a measured run. Every response must be a 200 with the
 * body "Hello World!"; latency percentiles come from each response's own time (autocannon's histogram
 * rounds to whole milliseconds, too coarse here).
 */
import autocannon from "autocannon";
import { percentiles, Samples } from "./stats.mjs";

export const HELLO_BODY = "Hello World!";

/** Runs autocannon and resolves with its result; `onResponse` sees every response. */
function cannon(options, onResponse) {
  return new Promise((resolve, reject) => {
    const instance = autocannon({ ...options, expectBody: HELLO_BODY }, (error, result) => (error ? reject(error) : resolve(result)));
    if (onResponse !== undefined) instance.on("response", onResponse);
  });
}

/**
 * @param {string} url
 * @param {{ connections: number, warmupS: number, durationS: number, readCpuMs?: () => number }} options
 * @returns {Promise<{ requestsPerSecond: number, p50Ms: number, p99Ms: number, cpuUsPerRequest: number, requests: number }>}
 */
export async function runHttp(url, { connections, warmupS, durationS, readCpuMs }) {
  check(await cannon({ url, connections, duration: warmupS }), "warm-up");
  const latencies = new Samples();
  const cpuStart = readCpuMs?.() ?? Number.NaN;
  const result = await cannon({ url, connections, duration: durationS }, (_client, statusCode, _bytes, responseTime) => {
    if (statusCode === 200) latencies.push(responseTime);
  });
  const cpuEnd = readCpuMs?.() ?? Number.NaN;
  check(result, "run");
  const [p50, p99] = percentiles(latencies.values(), [50, 99]);
  return {
    requestsPerSecond: latencies.length / result.duration,
    p50Ms: p50,
    p99Ms: p99,
    cpuUsPerRequest: ((cpuEnd - cpuStart) * 1000) / result.requests.total,
    requests: latencies.length,
  };
}

/** A run with any error, timeout, non-2xx answer or wrong body is no measurement. */
function check(result, what) {
  const problems = [];
  if (result.errors > 0) problems.push(`${result.errors} errors`);
  if (result.timeouts > 0) problems.push(`${result.timeouts} timeouts`);
  if (result.non2xx > 0) problems.push(`${result.non2xx} non-2xx responses`);
  if (result.mismatches > 0) problems.push(`${result.mismatches} bodies other than "${HELLO_BODY}"`);
  if (result["2xx"] === 0) problems.push("no response at all");
  if (problems.length > 0) throw new Error(`autocannon ${what}: ${problems.join(", ")}`);
}
