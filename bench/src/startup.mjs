/**
 * Cold start: from spawning the server process until its first HTTP 200, as a tool that starts a dev
 * server and waits for it would see it. The server prints its URL once listening (flarelet does so after
 * the worker loaded); the request is sent the moment that line arrives, and must get "Hello World!".
 */
import http from "node:http";
import { HELLO_BODY } from "./http-case.mjs";
import { msBetween } from "./stats.mjs";

const REQUEST_TIMEOUT_MS = 10_000;

/**
 * @param {import("./contenders.mjs").Contender} contender
 * @returns {Promise<{ firstResponseMs: number, listeningMs: number }>}
 */
export async function coldStart(contender) {
  const server = await contender.start("hello", { tag: "cold-start" });
  try {
    const { status, body } = await get(server.url);
    const answered = process.hrtime.bigint();
    if (status !== 200 || body !== HELLO_BODY) throw new Error(`first response: ${status} ${JSON.stringify(body.slice(0, 200))}`);
    return { firstResponseMs: msBetween(server.spawnedAt, answered), listeningMs: msBetween(server.spawnedAt, server.readyAt) };
  } finally {
    await server.stop();
  }
}

/** One GET on a fresh connection; resolves with the status and the body. */
export function get(url, agent = false) {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent, timeout: REQUEST_TIMEOUT_MS }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode, body }));
      response.on("error", reject);
    });
    request.on("timeout", () => request.destroy(new Error(`GET ${url}: no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    request.on("error", reject);
  });
}
