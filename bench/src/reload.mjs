/**
 * Reload: flarelet with `--watch` serves a temporary copy of a worker (an echo for WebSockets, its version
 * string for plain requests), with clients connected. Each sample rewrites the file with a new version
 * and measures from the write until a plain GET answers with the new version. Every connected client
 * must see its connection closed with 1012 "Service Restart". The server's own "Reloaded in …ms" line is
 * kept too: it is the reload itself, without the watcher's debounce.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { get } from "./startup.mjs";
import { msBetween } from "./stats.mjs";
import { closeAll, connectMany } from "./ws-cases.mjs";

const SERVICE_RESTART = 1012;
/** A reload that has not answered by then failed. */
const RELOAD_TIMEOUT_MS = 10_000;
/** Between two polls for the new version: the figure's resolution. */
const POLL_INTERVAL_MS = 1;

/** The worker, at a given version. */
export function versionedWorker(version) {
  return `// Written by the benchmark (bench/src/reload.mjs).
const VERSION = ${JSON.stringify(version)};
export default {
  fetch(request) {
    if (request.headers.get("Upgrade") !== "websocket") return new Response(VERSION);
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    server.addEventListener("message", (event) => server.send(event.data));
    return new Response(null, { status: 101, webSocket: client });
  },
};
`;
}

/** A temporary folder with the worker at version "v0"; `cleanup()` removes it. */
export function prepareReloadWorker() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "flarelet-bench-reload-"));
  const file = path.join(dir, "worker.mjs");
  writeFileSync(file, versionedWorker("v0"));
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * @param {import("./servers.mjs").ServerProcess} server  serving `file` with --watch
 * @param {string} file
 * @param {RegExp} reloadLine  what the server prints after a reload (group 1: its own duration in ms)
 * @param {{ samples: number, clients: number }} options
 * @returns {Promise<{ reloadMs: number[], internalMs: number[] }>}
 */
export async function runReload(server, file, reloadLine, { samples, clients }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const reloadMs = [];
  const internalMs = [];
  try {
    for (let sample = 1; sample <= samples; sample++) {
      const version = `v${sample}`;
      const sockets = await connectMany(server.wsUrl, clients, clients);
      try {
        const closeCodes = sockets.map((ws) => new Promise((resolve) => ws.once("close", (code) => resolve(code))));
        const reloadedLine = server.waitForLine(reloadLine, RELOAD_TIMEOUT_MS);
        reloadedLine.catch(() => {});

        const start = process.hrtime.bigint();
        writeFileSync(file, versionedWorker(version));
        await waitForVersion(server.url, version, agent);
        reloadMs.push(msBetween(start, process.hrtime.bigint()));

        const internal = Number((await reloadedLine)[1]);
        if (Number.isFinite(internal)) internalMs.push(internal);
        const codes = await withTimeout(Promise.all(closeCodes), RELOAD_TIMEOUT_MS, "clients closed on reload");
        const wrong = codes.filter((code) => code !== SERVICE_RESTART);
        if (wrong.length > 0) throw new Error(`${wrong.length} of ${clients} clients saw close codes ${[...new Set(wrong)].join(", ")}, not 1012`);
      } finally {
        await closeAll(sockets);
      }
      await sleep(100); // let the file system's events for this write settle
    }
  } finally {
    agent.destroy();
  }
  return { reloadMs, internalMs };
}

/** Polls until the worker answers with `version` (plain requests: each is served by the current load). */
async function waitForVersion(url, version, agent) {
  const deadline = Date.now() + RELOAD_TIMEOUT_MS;
  for (;;) {
    const { status, body } = await get(url, agent);
    if (status === 200 && body === version) return;
    if (Date.now() > deadline) throw new Error(`the worker still answers ${status} ${JSON.stringify(body)} ${RELOAD_TIMEOUT_MS} ms after the edit`);
    await sleep(POLL_INTERVAL_MS);
  }
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
    }),
  ]);
}
