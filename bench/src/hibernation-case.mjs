/**
 * The hibernation case: what a hibernated Durable Object's WebSockets cost. `count` clients connect to one
 * object that accepts them with the Hibernation API, each gets one echo (checked), and the object then
 * hibernates (flarelet logs "hibernated; N WebSockets stay open" with --debug, and the count must be all of
 * them); `settleMs` later the server's RSS is read. The baseline is a raw `ws` echo server holding the same
 * number of idle connections after one echo each. The figure is (RSS after − RSS before) / count, where
 * "before" is read after a first batch of connections was opened, echoed and closed.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { closeAll, connectMany, echoOnce } from "./ws-cases.mjs";

/** How long flarelet's object stays in memory once idle, in this case (its --do-hibernate-after). */
export const HIBERNATE_AFTER_MS = 500;
const HIBERNATION_WAIT_MS = 30_000;

/**
 * @param {import("./servers.mjs").ServerProcess} server
 * @param {{ count: number, concurrency: number, settleMs: number, expectHibernation: boolean }} options
 */
export async function runHibernatedSockets(server, { count, concurrency, settleMs, expectHibernation }) {
  const warm = await connectMany(server.wsUrl, Math.min(100, count), concurrency);
  await echoOnce(warm);
  await closeAll(warm);
  await sleep(settleMs);
  const before = server.rssKiB();

  const start = process.hrtime.bigint();
  const sockets = await connectMany(server.wsUrl, count, concurrency);
  const opened = process.hrtime.bigint();
  try {
    const hibernated = expectHibernation
      ? server.waitForLine(new RegExp(`hibernated; ${count} WebSockets stay open`), HIBERNATION_WAIT_MS)
      : Promise.resolve();
    await echoOnce(sockets);
    await hibernated;
    await sleep(settleMs);
    const after = server.rssKiB();
    return {
      rssPerSocketKiB: (after - before) / count,
      connectionsPerSecond: count / (Number(opened - start) / 1e9),
      rssBeforeKiB: before,
      rssAfterKiB: after,
    };
  } finally {
    await closeAll(sockets);
  }
}
