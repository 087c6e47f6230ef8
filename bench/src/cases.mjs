/**
 * The benchmark's cases: what each measures, against whom, its metrics, and its targets (goals to report,
 * never assertions). A case measures one round at a time; `measureRound` gets the contenders in this
 * round's order (the order alternates between rounds) and returns each one's figures or its error.
 */
import { coldStart } from "./startup.mjs";
import { runHttp } from "./http-case.mjs";
import { median } from "./stats.mjs";
import { machineBusyMs, waitForQuiet, startNoiseMeter } from "./noise.mjs";
import { prepareReloadWorker, runReload } from "./reload.mjs";
import { runHibernatedSockets } from "./hibernation-case.mjs";
import { runRoom } from "./room-case.mjs";
import { runConnections, runEcho } from "./ws-cases.mjs";
import { runVitestProject, VITEST_CONTENDERS } from "./vitest-case.mjs";

/**
 * @typedef {{ kind: "ratio", op: ">=" | "<=", value: number } | { kind: "absolute", op: "<=", value: number, unit: string }} Target
 * @typedef {{ key: string, label: string, unit: string, better: "higher" | "lower", target?: Target }} Metric
 * @typedef {import("./contenders.mjs").Contender} Contender
 * @typedef {Record<string, number>} Figures
 * @typedef {object} Settings  durations and counts (see run.mjs: FULL and QUICK)
 * @typedef {object} Case
 * @property {string} id
 * @property {string} title
 * @property {"echo" | "hello" | "room" | "hibernation" | "none"} app
 * @property {boolean} [noBaseline]  nothing to compare with (reload): the baseline is not run
 * @property {Metric[]} metrics
 * @property {(contenders: Contender[], settings: Settings, progress: (line: string) => void) => Promise<Map<string, Figures | Error>>} measureRound
 */

const WS_TARGET = /** @type {Target} */ ({ kind: "ratio", op: ">=", value: 0.9 });

/** Messages/s and round-trip percentiles, for each echo case. */
const echoMetrics = () => [
  { key: "messagesPerSecond", label: "messages/s", unit: "", better: "higher", target: WS_TARGET },
  { key: "p50Us", label: "p50 round trip", unit: "µs", better: "lower" },
  { key: "p99Us", label: "p99 round trip", unit: "µs", better: "lower" },
  { key: "cpuUsPerMessage", label: "server CPU per echo", unit: "µs", better: "lower" },
];

/**
 * A case that, for each contender, waits for a quiet machine, starts a fresh server, measures it while
 * metering the rest of the machine's CPU (figure `noiseCpus`), and stops it.
 * @param {"echo" | "hello" | "room" | "hibernation"} app
 * @param {string} tag  the case's id (names profile folders)
 * @param {(server: import("./servers.mjs").ServerProcess, settings: Settings, extra: any) => Promise<Figures>} measure
 * @param {{ prepare?: () => { options: object, extra: any, cleanup: () => void } }} [hooks]
 */
function perServer(app, tag, measure, hooks = {}) {
  return async (contenders, settings, progress) => {
    const figures = new Map();
    for (const contender of contenders) {
      const quiet = await waitForQuiet({ maxWaitMs: settings.quietWaitMs });
      const prepared = hooks.prepare?.() ?? { options: {}, extra: undefined, cleanup: () => {} };
      try {
        const server = await contender.start(app, { tag, ...prepared.options });
        try {
          const meter = startNoiseMeter(server.pid);
          const result = await measure(server, settings, { contender, ...prepared.extra });
          figures.set(contender.key, { ...result, noiseCpus: meter.stop() });
        } finally {
          await server.stop();
        }
      } catch (error) {
        figures.set(contender.key, error instanceof Error ? error : new Error(String(error)));
      } finally {
        prepared.cleanup();
      }
      const waited = quiet.waitedMs >= 1000 ? ` (waited ${(quiet.waitedMs / 1000).toFixed(0)} s for a quiet machine)` : "";
      progress(`${contender.key}: ${describe(figures.get(contender.key))}${waited}`);
    }
    return figures;
  };
}

/** An echo case on a fresh echo server. */
function echoCase(id, title, options) {
  return {
    id,
    title,
    app: "echo",
    metrics: echoMetrics(),
    measureRound: perServer("echo", id, (server, settings) =>
      runEcho(server.wsUrl, {
        ...options,
        warmupMs: settings.wsWarmupMs,
        durationMs: settings.wsDurationMs,
        readCpuMs: server.cpuMs,
      }),
    ),
  };
}

/** @type {Case[]} */
export const CASES = [
  echoCase("ws-pingpong", "WebSocket echo: 1 client ping-pong, 16 B text", { clients: 1, inFlight: 1, payload: "text16" }),
  echoCase("ws-50-clients", "WebSocket echo: 50 clients ping-pong, 16 B text", { clients: 50, inFlight: 1, payload: "text16" }),
  echoCase("ws-in-flight", "WebSocket echo: 1 client, 100 messages in flight, 16 B text", { clients: 1, inFlight: 100, payload: "text16" }),
  echoCase("ws-64k", "WebSocket echo: 1 client ping-pong, 64 KiB binary", { clients: 1, inFlight: 1, payload: "binary64k" }),
  {
    id: "ws-connections",
    title: "Concurrent WebSocket connections, echo worker (1,000; 250 with --quick)",
    app: "echo",
    metrics: [
      { key: "connectionsPerSecond", label: "connections/s", unit: "", better: "higher" },
      {
        key: "rssPerConnectionKiB",
        label: "RSS per idle connection, 2 s after",
        unit: "KiB",
        better: "lower",
        target: { kind: "ratio", op: "<=", value: 1.5 },
      },
    ],
    measureRound: perServer("echo", "ws-connections", (server, settings) =>
      runConnections(server.wsUrl, server.rssKiB, {
        count: settings.connections,
        concurrency: settings.connectConcurrency,
        settleMs: settings.settleMs,
      }),
    ),
  },
  {
    id: "do-broadcast",
    title: "Durable Object chat room: 100 WebSocket clients, 10 sending, each message to all",
    app: "room",
    metrics: [
      { key: "deliveriesPerSecond", label: "messages delivered/s", unit: "", better: "higher" },
      { key: "p50Us", label: "p50 sender round trip", unit: "µs", better: "lower" },
      { key: "p99Us", label: "p99 sender round trip", unit: "µs", better: "lower" },
    ],
    measureRound: perServer("room", "do-broadcast", (server, settings) =>
      runRoom(server.wsUrl, { clients: 100, senders: 10, warmupMs: settings.wsWarmupMs, durationMs: settings.wsDurationMs }),
    ),
  },
  {
    id: "do-hibernated-sockets",
    title: "Hibernated Durable Object: WebSockets held by one object while it is out of memory (10,000; 1,000 with --quick)",
    app: "hibernation",
    metrics: [
      {
        key: "rssPerSocketKiB",
        label: "RSS per hibernated socket, 2 s after",
        unit: "KiB",
        better: "lower",
        target: { kind: "ratio", op: "<=", value: 1.3 },
      },
      { key: "connectionsPerSecond", label: "connections/s", unit: "", better: "higher" },
    ],
    measureRound: perServer("hibernation", "do-hibernated-sockets", (server, settings, { contender }) =>
      runHibernatedSockets(server, {
        count: settings.hibernatedSockets,
        concurrency: settings.connectConcurrency,
        settleMs: settings.settleMs,
        // flarelet logs the hibernation; the raw ws server has no object to hibernate.
        expectHibernation: contender.key === "flarelet" || contender.key === "candidate",
      }),
    ),
  },
  {
    id: "http",
    title: "HTTP hello world, 50 connections",
    app: "hello",
    metrics: [
      { key: "requestsPerSecond", label: "requests/s", unit: "", better: "higher", target: { kind: "ratio", op: ">=", value: 0.5 } },
      { key: "p50Ms", label: "p50 latency", unit: "ms", better: "lower" },
      { key: "p99Ms", label: "p99 latency", unit: "ms", better: "lower" },
      { key: "cpuUsPerRequest", label: "server CPU per request", unit: "µs", better: "lower" },
    ],
    measureRound: perServer("hello", "http", (server, settings) =>
      runHttp(server.url, {
        connections: 50,
        warmupS: settings.httpWarmupS,
        durationS: settings.httpDurationS,
        readCpuMs: server.cpuMs,
      }),
    ),
  },
  {
    id: "cold-start",
    title: "Cold start: spawn until the first 200 (hello worker)",
    app: "hello",
    metrics: [
      { key: "firstResponseMs", label: "spawn → first 200", unit: "ms", better: "lower", target: { kind: "ratio", op: "<=", value: 1.5 } },
      { key: "listeningMs", label: "spawn → listening line", unit: "ms", better: "lower" },
    ],
    // Samples alternate between contenders inside the round; the round's figure is their median.
    async measureRound(contenders, settings, progress) {
      await waitForQuiet({ maxWaitMs: settings.quietWaitMs });
      /** @type {Map<string, { firstResponseMs: number[], listeningMs: number[] } | Error>} */
      const samples = new Map(contenders.map((contender) => [contender.key, { firstResponseMs: [], listeningMs: [] }]));
      for (let index = 0; index < settings.coldStartSamples; index++) {
        for (const contender of contenders) {
          const mine = samples.get(contender.key);
          if (mine instanceof Error) continue;
          try {
            const sample = await coldStart(contender);
            mine.firstResponseMs.push(sample.firstResponseMs);
            mine.listeningMs.push(sample.listeningMs);
          } catch (error) {
            samples.set(contender.key, error instanceof Error ? error : new Error(String(error)));
          }
        }
      }
      const figures = new Map();
      for (const [key, mine] of samples) {
        figures.set(key, mine instanceof Error ? mine : { firstResponseMs: median(mine.firstResponseMs), listeningMs: median(mine.listeningMs) });
        progress(`${key}: ${describe(figures.get(key))}`);
      }
      return figures;
    },
  },
  {
    id: "reload",
    title: "Reload under --watch, 10 WebSocket clients connected (each must see 1012)",
    app: "echo",
    noBaseline: true,
    metrics: [
      { key: "reloadMs", label: "edit → new version answers", unit: "ms", better: "lower", target: { kind: "absolute", op: "<=", value: 15, unit: "ms" } },
      { key: "internalMs", label: "the reload itself (its log line)", unit: "ms", better: "lower" },
    ],
    measureRound: perServer(
      "echo",
      "reload",
      async (server, settings, { contender, file }) => {
        const { reloadMs, internalMs } = await runReload(server, file, contender.reloadLine, { samples: settings.reloadSamples, clients: 10 });
        return { reloadMs: median(reloadMs), internalMs: median(internalMs) };
      },
      {
        prepare() {
          const { file, cleanup } = prepareReloadWorker();
          return { options: { script: file, watch: true }, extra: { file }, cleanup };
        },
      },
    ),
  },
  {
    id: "vitest",
    title: "vitest run: 20 small test files (integration, unit, Durable Object, WebSocket; 60 tests)",
    app: "none",
    metrics: [
      { key: "wallS", label: "spawn → exit", unit: "s", better: "lower", target: { kind: "ratio", op: "<=", value: 1.2 } },
      { key: "cpuS", label: "CPU, every process", unit: "s", better: "lower" },
      { key: "peakRssMiB", label: "peak RSS, every process", unit: "MiB", better: "lower" },
    ],
    // Not servers: each contender runs vitest over its own project (vitest-case.mjs), one run a round.
    async measureRound(contenders, settings, progress) {
      const figures = new Map();
      for (const contender of contenders.filter((candidate) => VITEST_CONTENDERS.includes(candidate.key))) {
        await waitForQuiet({ maxWaitMs: settings.quietWaitMs });
        const busyBefore = machineBusyMs();
        const ownBefore = process.cpuUsage();
        try {
          const result = await runVitestProject(contender.key, { tools: contender.vitestTools, allCpus: contender.allCpus });
          // Others' CPU meanwhile: the machine's busy time minus this process's and vitest's own tree's.
          const own = process.cpuUsage(ownBefore);
          const others = machineBusyMs() - busyBefore - (own.user + own.system) / 1000 - result.cpuS * 1000;
          figures.set(contender.key, { ...result, noiseCpus: Math.max(0, others / (result.wallS * 1000)) });
        } catch (error) {
          figures.set(contender.key, error instanceof Error ? error : new Error(String(error)));
        }
        progress(`${contender.key}: ${describe(figures.get(contender.key))}`);
      }
      return figures;
    },
  },
];

/** One line for the progress log. */
function describe(figures) {
  if (figures instanceof Error) return `FAILED: ${figures.message.split("\n")[0]}`;
  return Object.entries(figures)
    .filter(([key]) => key !== "noiseCpus")
    .map(([key, value]) => `${key} ${Number.isFinite(value) ? Math.round(value * 100) / 100 : value}`)
    .join(", ")
    .concat(figures.noiseCpus > NOISY_CPUS ? `; NOISY: other processes used ${figures.noiseCpus.toFixed(2)} CPUs meanwhile` : "");
}

/** Above this, a measurement shared the machine with other work (the bench and the server excluded). */
export const NOISY_CPUS = 0.25;
