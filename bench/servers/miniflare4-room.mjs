/**
 * The Durable Object benchmark's anchor (--anchors): the room worker on Miniflare 4, which runs workerd,
 * Cloudflare's runtime. Run by Node 22 (Miniflare 4 needs it), with Miniflare 4's entry module as the
 * first argument; both are installed on demand into a cache folder (src/anchors.mjs), never the workspace.
 *
 *     node22 servers/miniflare4-room.mjs <miniflare index.js> <worker file> <port>
 */
import { readFileSync } from "node:fs";

const [miniflarePath, workerFile, port] = process.argv.slice(2);
const { Miniflare } = await import(miniflarePath);
const mf = new Miniflare({
  modules: true,
  script: readFileSync(workerFile, "utf8"),
  compatibilityDate: "2025-09-01",
  durableObjects: { ROOMS: "Room" },
  host: "127.0.0.1",
  port: Number(port),
});
const url = await mf.ready;
console.log(`Listening on http://127.0.0.1:${url.port}`);
const stop = async () => {
  await mf.dispose();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
