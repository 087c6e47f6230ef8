/**
 * How busy the rest of the machine is. Other jobs (a test suite next door) make the figures swing far more
 * than any change to flarelet, so the bench waits for a quiet machine before each measurement (bounded),
 * and measures, during each one, the CPU used by everything except the server and the bench itself: the
 * "noise", reported next to the figures.
 *
 *     foreign CPUs = (machine's busy CPU time − server's − bench's own) / wall time      (/proc/stat)
 */
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { CLOCK_TICKS, readCpuMs } from "./servers.mjs";

/** /proc/stat counts in USER_HZ ticks, as /proc/<pid>/stat does. */
const CLOCK_TICKS_PER_MS = CLOCK_TICKS / 1000;

/** The machine's busy CPU time so far, all CPUs, in ms; NaN where /proc/stat cannot be read. */
export function machineBusyMs() {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0];
    // cpu user nice system idle iowait irq softirq steal guest guest_nice
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS_PER_MS;
  } catch {
    return Number.NaN;
  }
}

/** This process's CPU time so far (all its threads: the load generators), in ms. */
function ownCpuMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Waits until the machine has been quiet (under `thresholdCpus` busy, this process included) for one
 * `windowMs`, or `maxWaitMs` passed. Resolves with the time waited and the last load seen.
 */
export async function waitForQuiet({ maxWaitMs, thresholdCpus = 0.2, windowMs = 500 }) {
  if (maxWaitMs <= 0) return { waitedMs: 0, load: Number.NaN };
  const start = Date.now();
  let load = Number.NaN;
  do {
    const before = machineBusyMs();
    await sleep(windowMs);
    load = (machineBusyMs() - before) / windowMs;
    if (!(load >= thresholdCpus)) break; // quiet, or unknown (NaN): do not wait
  } while (Date.now() - start + windowMs <= maxWaitMs);
  return { waitedMs: Date.now() - start, load };
}

/** Starts measuring the foreign CPU while `serverPid` runs; `stop()` returns the average in CPUs. */
export function startNoiseMeter(serverPid) {
  const wallStart = performance.now();
  const machineStart = machineBusyMs();
  const ownStart = ownCpuMs();
  const serverStart = safeCpu(serverPid);
  return {
    stop() {
      const wall = performance.now() - wallStart;
      const machine = machineBusyMs() - machineStart;
      const own = ownCpuMs() - ownStart;
      const server = safeCpu(serverPid) - serverStart;
      // Clock-tick resolution (10 ms per CPU) makes tiny negative values possible: clamp them.
      return Math.max(0, (machine - own - server) / wall);
    },
  };
}

function safeCpu(pid) {
  try {
    return readCpuMs(pid);
  } catch {
    return Number.NaN;
  }
}
