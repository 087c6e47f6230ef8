/**
 * The WebSocket cases, with the `ws` client as load generator (no compression), every connection to
 * 127.0.0.1:
 *
 * - echo loops (`runEcho`): N clients each keep K messages in flight; every echo is checked against what
 *   was sent (same bytes, same type, in order), and its round trip timed from its own send;
 * - `runConnections`: opens many connections, checks each with one echo, and reads the server's RSS.
 *
 * An echo loop runs a warm-up, then a fixed measuring window, then drains what is still in flight. Only
 * echoes that arrive inside the window count, so messages/s = echoes in the window / window length.
 */
import { randomFillSync } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import WebSocket from "ws";
import { msBetween, percentiles, Samples } from "./stats.mjs";

const CONNECT_TIMEOUT_MS = 10_000;
/**
 * How long clients wait for the server's answer to their Close before dropping the connection. The seed
 * page's echo worker never answers a Close (before the 2026-04-07 compatibility date nothing answers for
 * it), so without this every flarelet run would wait for ws's 30 s close timeout.
 */
const CLOSE_GRACE_MS = 250;
/** How long the drain after the window may take before the case fails. */
const DRAIN_TIMEOUT_MS = 10_000;

/**
 * Opens one client connection.
 * @param {string} url
 * @returns {Promise<WebSocket>}
 */
export function connect(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: CONNECT_TIMEOUT_MS });
    const onError = (error) => {
      ws.off("open", onOpen);
      reject(new Error(`connecting to ${url}: ${error.message}`, { cause: error }));
    };
    const onOpen = () => {
      ws.off("error", onError);
      ws.on("error", () => {}); // reported through "close" by whoever uses it
      resolve(ws);
    };
    ws.once("error", onError);
    ws.once("open", onOpen);
  });
}

/** Opens `count` connections, at most `concurrency` handshakes at a time. */
export async function connectMany(url, count, concurrency) {
  const sockets = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      sockets.push(await connect(url));
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  } catch (error) {
    closeAll(sockets, true);
    throw error;
  }
  return sockets;
}

/** Closes every socket (1000) and waits for each to be closed; `terminate` drops them at once. */
export async function closeAll(sockets, terminate = false) {
  const closed = sockets.map((ws) =>
    ws.readyState === WebSocket.CLOSED ? undefined : new Promise((resolve) => ws.once("close", resolve)),
  );
  for (const ws of sockets) {
    if (terminate) ws.terminate();
    else if (ws.readyState === WebSocket.OPEN) ws.close(1000);
  }
  const timer = setTimeout(() => sockets.forEach((ws) => ws.terminate()), CLOSE_GRACE_MS);
  await Promise.all(closed);
  clearTimeout(timer);
}

/**
 * @typedef {object} EchoOptions
 * @property {number} clients
 * @property {number} inFlight      messages each client keeps in flight (1: ping-pong)
 * @property {"text16" | "binary64k"} payload
 * @property {number} warmupMs
 * @property {number} durationMs
 * @property {() => number} [readCpuMs]   the server's CPU time so far, to report CPU per message
 */

/**
 * One echo measurement against a server.
 * @param {string} url
 * @param {EchoOptions} options
 * @returns {Promise<{ messagesPerSecond: number, p50Us: number, p99Us: number, cpuUsPerMessage: number, echoes: number }>}
 */
export async function runEcho(url, { clients, inFlight, payload, warmupMs, durationMs, readCpuMs }) {
  const sockets = await connectMany(url, clients, 50);
  const rtts = new Samples();
  let phase = "warmup";
  let counted = 0;
  let outstanding = 0;
  let windowStart = 0n;
  let windowEnd = 0n;
  let cpuStart = Number.NaN;
  let cpuEnd = Number.NaN;
  try {
    await new Promise((resolve, reject) => {
      let failed = false;
      const fail = (message) => {
        if (failed) return;
        failed = true;
        reject(new Error(message));
      };
      const overall = setTimeout(() => fail(`echo run did not finish (${outstanding} echoes outstanding)`), warmupMs + durationMs + DRAIN_TIMEOUT_MS);
      const finish = () => {
        clearTimeout(overall);
        resolve();
      };
      sockets.forEach((ws, index) => {
        const messages = makeMessages(payload, inFlight, index);
        const sentAt = new Array(inFlight).fill(0n);
        let nextToSend = 0;
        let nextExpected = 0;
        const send = () => {
          const slot = nextToSend % inFlight;
          const message = messages.prepare(slot, nextToSend);
          sentAt[slot] = process.hrtime.bigint();
          nextToSend++;
          outstanding++;
          ws.send(message, { binary: messages.binary });
        };
        ws.on("message", (data, isBinary) => {
          const now = process.hrtime.bigint();
          const slot = nextExpected % inFlight;
          if (nextExpected >= nextToSend) return fail(`client ${index}: an echo nobody sent`);
          if (!messages.matches(slot, data, isBinary)) {
            return fail(`client ${index}: echo ${nextExpected} differs from what was sent (binary: ${isBinary}, ${data.length} bytes)`);
          }
          nextExpected++;
          outstanding--;
          if (phase === "measure") {
            counted++;
            rtts.push(Number(now - sentAt[slot]));
          }
          if (phase !== "drain") send();
          else if (outstanding === 0) finish();
        });
        ws.on("close", (code) => {
          if (phase !== "done") fail(`client ${index}: the server closed the connection (${code}) during the run`);
        });
        for (let count = 0; count < inFlight; count++) send();
      });
      setTimeout(() => {
        phase = "measure";
        windowStart = process.hrtime.bigint();
        cpuStart = readCpuMs?.() ?? Number.NaN;
        setTimeout(() => {
          windowEnd = process.hrtime.bigint();
          cpuEnd = readCpuMs?.() ?? Number.NaN;
          phase = "drain";
          if (outstanding === 0) finish();
        }, durationMs);
      }, warmupMs);
    });
  } finally {
    phase = "done";
    await closeAll(sockets);
  }
  if (counted === 0) throw new Error("no echo arrived in the measuring window");
  const [p50, p99] = percentiles(rtts.values(), [50, 99]);
  return {
    messagesPerSecond: counted / (msBetween(windowStart, windowEnd) / 1000),
    p50Us: p50 / 1000,
    p99Us: p99 / 1000,
    // Each echo is one message in and one out; the window's CPU over the echoes counted in it.
    cpuUsPerMessage: ((cpuEnd - cpuStart) * 1000) / counted,
    echoes: counted,
  };
}

/**
 * What each client sends: 16-byte strings ("0000000000000042"), or 64 KiB of random bytes whose first 8
 * hold the sequence number. One buffer per in-flight slot, rewritten only once its echo has arrived (the
 * echo is checked against it before that), so that the client side allocates nothing per message.
 */
function makeMessages(kind, inFlight, clientIndex) {
  if (kind === "text16") {
    const sent = new Array(inFlight).fill("");
    return {
      binary: false,
      prepare(slot, sequence) {
        const text = `${clientIndex.toString(36)}:${sequence}`.padStart(16, "0");
        sent[slot] = text;
        return text;
      },
      matches: (slot, data, isBinary) => !isBinary && data.length === 16 && data.toString() === sent[slot],
    };
  }
  const buffers = Array.from({ length: inFlight }, () => randomFillSync(Buffer.allocUnsafe(64 * 1024)));
  return {
    binary: true,
    prepare(slot, sequence) {
      const buffer = buffers[slot];
      buffer.writeUInt32LE(clientIndex, 0);
      buffer.writeUInt32LE(sequence >>> 0, 4);
      return buffer;
    },
    matches: (slot, data, isBinary) => isBinary && data.equals(buffers[slot]),
  };
}

/**
 * Opens `count` connections to an echo server and checks each with one echo. Reports the opening rate
 * and the server's RSS per idle connection: (RSS after − RSS before) / count, read `settleMs` after the
 * last echo. A first batch of connections, opened and closed before, warms the server up (flarelet loads
 * `ws` and compiles its upgrade path on the first one), so that "before" is a steady server.
 *
 * @param {string} url
 * @param {() => number} readRssKiB
 * @param {{ count: number, concurrency: number, settleMs: number }} options
 */
export async function runConnections(url, readRssKiB, { count, concurrency, settleMs }) {
  const warm = await connectMany(url, Math.min(100, count), concurrency);
  await echoOnce(warm);
  await closeAll(warm);
  await sleep(settleMs);
  const before = readRssKiB();

  const start = process.hrtime.bigint();
  const sockets = await connectMany(url, count, concurrency);
  const opened = process.hrtime.bigint();
  try {
    await echoOnce(sockets);
    await sleep(settleMs);
    const after = readRssKiB();
    return {
      connectionsPerSecond: count / (msBetween(start, opened) / 1000),
      rssPerConnectionKiB: (after - before) / count,
      rssBeforeKiB: before,
      rssAfterKiB: after,
    };
  } finally {
    await closeAll(sockets);
  }
}

/** One text echo on each socket, checked. */
export async function echoOnce(sockets) {
  await Promise.all(
    sockets.map(
      (ws, index) =>
        new Promise((resolve, reject) => {
          const text = `hello ${index}`;
          const timer = setTimeout(() => reject(new Error(`connection ${index}: no echo within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
          ws.once("message", (data, isBinary) => {
            clearTimeout(timer);
            if (isBinary || data.toString() !== text) reject(new Error(`connection ${index}: wrong echo`));
            else resolve();
          });
          ws.send(text);
        }),
    ),
  );
}
