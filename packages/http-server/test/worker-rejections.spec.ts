/**
 * Errors the server makes on a worker's behalf (its response cancelled because the client left, its
 * request body discarded because the response went first) reject promises the worker may have left
 * floating: `pipeTo()` in Cloudflare's streaming example, an un-awaited `request.text()`. They must be
 * logged as the worker's, not end the process. Each case runs the built packages in a plain `node` process,
 * because a test runner's own 'unhandledRejection' listener hides what a plain process does.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { runNode, useTempDir, type NodeExit } from "@flarelet/test-utils";
import { describe, expect, it } from "vitest";

const PACKAGES = path.join(path.dirname(fileURLToPath(import.meta.url)), "../..");
const distOf = (name: string) => JSON.stringify(pathToFileURL(path.join(PACKAGES, name, "dist/index.js")).href);

const tmp = useTempDir("flarelet-http-test-");

/** Runs `program` (an ES module, with `serve` and `logged` from the preamble) under plain node. */
async function runProgram(program: string): Promise<NodeExit> {
  const file = path.join(tmp.path, "program.mjs");
  await writeFile(file, PREAMBLE + program);
  return runNode([file], tmp.path);
}

const PREAMBLE = `
  import net from "node:net";
  import http from "node:http";
  import { MiniflareCore, Log, LogLevel } from ${distOf("core")};
  import { startServer } from ${distOf("http-server")};
  const logged = [];
  const log = new Log(LogLevel.ERROR, { colour: false, write: (line) => logged.push(line.split("\\n")[0]) });
  async function serve(script) {
    const mf = new MiniflareCore({ modules: true, script, log });
    const server = await startServer(mf, { port: 0, host: "127.0.0.1" });
    return { mf, server, port: server.address().port };
  }
  async function waitForLogged(pattern) {
    for (let turn = 0; turn < 1000 && !logged.some((line) => pattern.test(line)); turn++) {
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  function get(port, path) {
    return new Promise((resolve, reject) => {
      http.get({ host: "127.0.0.1", port, path, agent: false }, (res) => {
        let body = "";
        res.on("data", (chunk) => (body += chunk));
        res.on("end", () => resolve(res.statusCode + " " + body));
      }).on("error", reject);
    });
  }
`;

describe("errors the server makes for a worker", () => {
  it("a client leaving the docs' streaming example (a floating pipeTo) is logged, and serving goes on", async () => {
    const exit = await runProgram(`
      const { mf, server, port } = await serve(\`export default {
        fetch(request) {
          if (new URL(request.url).pathname !== "/stream") return new Response("still serving");
          const { readable, writable } = new TransformStream();
          const source = new ReadableStream({
            async pull(controller) { await scheduler.wait(5); controller.enqueue(new TextEncoder().encode("chunk\\\\n")); },
          });
          source.pipeTo(writable); // as in Cloudflare's streaming example: not awaited
          return new Response(readable);
        },
      };\`);
      await new Promise((resolve) => {
        const request = http.get({ host: "127.0.0.1", port, path: "/stream", agent: false }, (res) => {
          res.once("data", () => { request.destroy(); resolve(); });
        });
        request.on("error", () => {});
      });
      await waitForLogged(/Uncaught \\(in promise\\)/);
      const after = await get(port, "/");
      server.close();
      await mf.dispose();
      console.log(JSON.stringify({ after, logged }));
    `);
    expect(exit.stderr).toBe("");
    expect(exit.code).toBe(0);
    expect(JSON.parse(exit.stdout)).toEqual({
      after: "200 still serving",
      logged: ["[flarelet:err] Uncaught (in promise) TypeError: The client disconnected before the response body was complete."],
    });
  });

  it("a request body left unread and floating when the response goes first gets workerd's error, logged", async () => {
    const exit = await runProgram(`
      const { mf, server, port } = await serve(\`export default {
        fetch(request) {
          request.text(); // not awaited: the worker answers before the body arrived
          return new Response("answered first");
        },
      };\`);
      const socket = net.connect(port, "127.0.0.1");
      socket.on("error", () => {});
      let received = "";
      socket.on("data", (chunk) => (received += chunk));
      socket.write("POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 10\\r\\n\\r\\nabc");
      for (let turn = 0; turn < 1000 && !received.includes("answered first"); turn++) await new Promise((r) => setTimeout(r, 5));
      socket.write("defghij");
      await waitForLogged(/Uncaught \\(in promise\\)/);
      socket.destroy();
      const after = await get(port, "/");
      server.close();
      await mf.dispose();
      console.log(JSON.stringify({ status: received.split("\\r\\n")[0], after, logged }));
    `);
    expect(exit.stderr).toBe("");
    expect(exit.code).toBe(0);
    expect(JSON.parse(exit.stdout)).toEqual({
      status: "HTTP/1.1 200 OK",
      after: "200 answered first",
      logged: ["[flarelet:err] Uncaught (in promise) TypeError: Can't read from request stream after response has been sent."],
    });
  });
});
