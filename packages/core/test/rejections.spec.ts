/**
 * A worker's unhandled rejections are logged and the process keeps running; the host's own rejections keep
 * Node's behaviour. Each case runs the built package (dist/) in its own `node` process, because a test
 * runner installs its own 'unhandledRejection' listener and so never shows what a plain process does.
 */
import { stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { MiniflareCore, NoOpLog } from "../src/index.js";
import { readmeBlock, runNode, useTempDir, type NodeExit } from "./helpers.js";

const DIST_INDEX = path.join(path.dirname(fileURLToPath(import.meta.url)), "../dist/index.js");

const tmp = useTempDir();

/** Runs `program` (an ES module) under plain node with `flags`; resolves however it exits. */
async function runProgram(program: string, flags: string[] = []): Promise<NodeExit> {
  const file = await tmp.write("program.mjs", program);
  return runNode([...flags, file], tmp.path);
}

/**
 * The preamble every program shares: core from dist/, a log that collects its lines, and `waitForLogged`,
 * which waits (a bounded number of event-loop turns) until the log holds `count` lines.
 */
const PREAMBLE = `
  import net from "node:net";
  import { MiniflareCore, Log, LogLevel } from ${JSON.stringify(pathToFileURL(DIST_INDEX).href)};
  const logged = [];
  const log = new Log(LogLevel.ERROR, { colour: false, write: (line) => logged.push(line) });
  async function waitForLogged(count) {
    for (let turn = 0; turn < 1000 && logged.length < count; turn++) await new Promise((r) => setTimeout(r, 5));
  }
  async function closedPortUrl() {
    const server = net.createServer().listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    const { port } = server.address();
    await new Promise((r) => server.close(r));
    return "http://127.0.0.1:" + port + "/";
  }
`;

beforeAll(async () => {
  if ((await stat(DIST_INDEX).catch(() => undefined)) === undefined) {
    throw new Error(`${DIST_INDEX} is missing: build packages/core first (turbo runs build before test)`);
  }
});

describe("a worker's unhandled rejections", () => {
  it("are logged as the runtime's console shows them, and the process keeps serving", async () => {
    const exit = await runProgram(`${PREAMBLE}
      const mf = new MiniflareCore({
        modules: true,
        log,
        bindings: { CLOSED_URL: await closedPortUrl() },
        script: \`export default {
          async fetch(request, env) {
            const kind = new URL(request.url).pathname;
            if (kind === "/reject") Promise.reject(new Error("floating rejection"));
            if (kind === "/async") (async () => { throw new TypeError("thrown in an async function"); })();
            if (kind === "/fetch") fetch(env.CLOSED_URL);
            if (kind === "/host-then") new Response("x").text().then(() => { throw new RangeError("thrown in then"); });
            return new Response("still serving " + kind);
          },
        };\`,
      });
      const bodies = [];
      for (const kind of ["/reject", "/async", "/fetch", "/host-then"]) {
        bodies.push(await (await mf.dispatchFetch("http://localhost" + kind)).text());
        await waitForLogged(bodies.length);
      }
      await mf.dispose();
      console.log(JSON.stringify({ bodies, logged }));
    `);
    expect(exit.stderr).toBe("");
    expect(exit.code).toBe(0);
    const { bodies, logged } = JSON.parse(exit.stdout) as { bodies: string[]; logged: string[] };
    expect(bodies).toEqual(["still serving /reject", "still serving /async", "still serving /fetch", "still serving /host-then"]);
    expect(logged).toHaveLength(4);
    expect(logged[0]).toMatch(/^\[flarelet:err\] Uncaught \(in promise\) Error: floating rejection\n {4}at /);
    expect(logged[1]).toMatch(/^\[flarelet:err\] Uncaught \(in promise\) TypeError: thrown in an async function\n/);
    // workerd's words for a refused connection; Node's own error is the cause.
    expect(logged[2]).toMatch(/^\[flarelet:err\] Uncaught \(in promise\) Error: Network connection lost\.\n/);
    expect(logged[2]).toContain("ECONNREFUSED");
    expect(logged[3]).toMatch(/^\[flarelet:err\] Uncaught \(in promise\) RangeError: thrown in then\n/);
  });

  it("are contained for service-worker scripts, and after a reload for the previous load's promises", async () => {
    const exit = await runProgram(`${PREAMBLE}
      const holder = {};
      const mf = new MiniflareCore({
        log,
        bindings: { HOLDER: holder },
        script: \`addEventListener("fetch", (event) => {
          Promise.reject(new Error("service-worker rejection"));
          new Promise((resolve, reject) => { HOLDER.rejectLater = reject; });
          event.respondWith(new Response("ok"));
        });\`,
      });
      const before = await (await mf.dispatchFetch("http://localhost/")).text();
      await waitForLogged(1);
      const rejectLater = holder.rejectLater;
      await mf.reload();
      rejectLater(new Error("rejected after the reload"));
      await waitForLogged(2);
      const after = await (await mf.dispatchFetch("http://localhost/")).text();
      await waitForLogged(3);
      await mf.dispose();
      console.log(JSON.stringify({ before, after, logged }));
    `);
    expect(exit.stderr).toBe("");
    expect(exit.code).toBe(0);
    const { before, after, logged } = JSON.parse(exit.stdout) as { before: string; after: string; logged: string[] };
    expect([before, after]).toEqual(["ok", "ok"]);
    expect(logged.map((line) => line.split("\n")[0])).toEqual([
      "[flarelet:err] Uncaught (in promise) Error: service-worker rejection",
      "[flarelet:err] Uncaught (in promise) Error: rejected after the reload",
      "[flarelet:err] Uncaught (in promise) Error: service-worker rejection",
    ]);
  });

  it("include an async EventTarget listener's rejection (Node's EventTarget would make it an uncaught exception)", async () => {
    const exit = await runProgram(`${PREAMBLE}
      const mf = new MiniflareCore({
        modules: true,
        log,
        script: \`export default {
          fetch() {
            const target = new EventTarget();
            target.addEventListener("tick", async () => { throw new Error("async listener failed"); });
            return new Response("dispatched: " + target.dispatchEvent(new Event("tick")));
          },
        };\`,
      });
      const body = await (await mf.dispatchFetch("http://localhost/")).text();
      await waitForLogged(1);
      await mf.dispose();
      console.log(JSON.stringify({ body, logged }));
    `);
    expect(exit.stderr).toBe("");
    expect(exit.code).toBe(0);
    const { body, logged } = JSON.parse(exit.stdout) as { body: string; logged: string[] };
    expect(body).toBe("dispatched: true");
    expect(logged.map((line) => line.split("\n")[0])).toEqual(["[flarelet:err] Uncaught (in promise) Error: async listener failed"]);
  });

  it("go to the worker's unhandledrejection listeners as a PromiseRejectionEvent, which then log nothing", async () => {
    const exit = await runProgram(`${PREAMBLE}
      const mf = new MiniflareCore({
        modules: true,
        log,
        script: \`
          const seen = [];
          addEventListener("unhandledrejection", (event) => {
            seen.push({
              type: event.type,
              reason: event.reason.message,
              promise: event.promise instanceof Promise,
              event: event instanceof PromiseRejectionEvent && event instanceof Event,
            });
          });
          export default {
            fetch(request) {
              if (new URL(request.url).pathname === "/reject") Promise.reject(new Error("seen by the listener"));
              return Response.json(seen);
            },
          };\`,
      });
      await mf.dispatchFetch("http://localhost/reject");
      let seen = [];
      for (let turn = 0; turn < 200 && seen.length === 0; turn++) {
        await new Promise((r) => setTimeout(r, 5));
        seen = await (await mf.dispatchFetch("http://localhost/")).json();
      }
      let illegal;
      const { PromiseRejectionEvent } = await mf.getGlobalScope();
      try { new PromiseRejectionEvent("unhandledrejection", {}); } catch (error) { illegal = error.message; }
      await mf.dispose();
      console.log(JSON.stringify({ seen, logged, illegal }));
    `);
    expect(exit.stderr).toBe("");
    expect(exit.code).toBe(0);
    expect(JSON.parse(exit.stdout)).toEqual({
      seen: [{ type: "unhandledrejection", reason: "seen by the listener", promise: true, event: true }],
      logged: [],
      illegal: "Illegal constructor",
    });
  });

  it("survive an unhandledrejection listener that throws: workerd's warning, and the process runs on", async () => {
    const exit = await runProgram(`${PREAMBLE}
      const warned = [];
      const warnLog = new Log(LogLevel.WARN, { colour: false, write: (line) => warned.push(line) });
      const mf = new MiniflareCore({
        log: warnLog,
        script: \`
          addEventListener("unhandledrejection", () => { throw new TypeError("listener broke"); });
          addEventListener("fetch", (event) => { Promise.reject(new Error("first")); event.respondWith(new Response("ok")); });\`,
      });
      const body = await (await mf.dispatchFetch("http://localhost/")).text();
      for (let turn = 0; turn < 200 && warned.length === 0; turn++) await new Promise((r) => setTimeout(r, 5));
      await mf.dispose();
      console.log(JSON.stringify({ body, warned: warned.map((line) => line.split("\\n")[0]) }));
    `);
    expect(exit.stderr).toBe("");
    expect(exit.code).toBe(0);
    expect(JSON.parse(exit.stdout)).toEqual({
      body: "ok",
      warned: ["[flarelet:wrn] Exception while logging unhandled rejection: TypeError: listener broke"],
    });
  });

  it("are watched only while a worker is loaded: the process listener goes a turn after the last disposal", async () => {
    const exit = await runProgram(`${PREAMBLE}
      const count = () => process.listenerCount("unhandledRejection");
      const counts = [count()];
      const script = "addEventListener('fetch', (event) => event.respondWith(new Response('ok')))";
      const first = new MiniflareCore({ script, log });
      const second = new MiniflareCore({ script, log });
      await Promise.all([first.dispatchFetch("http://localhost/"), second.dispatchFetch("http://localhost/")]);
      counts.push(count());
      await first.reload();
      counts.push(count());
      const nextTurn = () => new Promise((r) => setImmediate(r));
      await first.dispose();
      await nextTurn();
      counts.push(count());
      await second.dispose();
      // Kept until the next turn, for rejections made in the disposing tick (the README example's case).
      counts.push(count());
      await nextTurn();
      counts.push(count());
      console.log(JSON.stringify(counts));
    `);
    expect(exit.stderr).toBe("");
    expect(JSON.parse(exit.stdout)).toEqual([0, 1, 1, 1, 1, 0]);
  });
});

describe("the README's example", () => {
  it("runs as written (only the import specifier pointed at dist/): served, logged, exit 0", async () => {
    const example = await readmeBlock("worker-errors");
    const program = example.replace(`from "@flarelet/core"`, `from ${JSON.stringify(pathToFileURL(DIST_INDEX).href)}`);
    expect(program).not.toBe(example);
    const exit = await runProgram(program);
    expect(exit.stdout).toBe("still serving\n");
    expect(exit.stderr).toMatch(/^\[flarelet:err\] Uncaught \(in promise\) Error: nobody catches this\n/);
    expect(exit.code).toBe(0);
  });
});

describe("the host's own unhandled rejections, while a worker is loaded", () => {
  const HOST_REJECTS = (reason: string) => `${PREAMBLE}
    const mf = new MiniflareCore({ script: "addEventListener('fetch', (e) => e.respondWith(new Response('ok')))", log });
    await mf.dispatchFetch("http://localhost/");
    Promise.reject(${reason});
    await new Promise((r) => setTimeout(r, 20));
    console.log("survived");
    await mf.dispose();
  `;

  it("still end the process, as Node's default does", async () => {
    const exit = await runProgram(HOST_REJECTS(`new Error("the host's own")`));
    expect(exit.code).toBe(1);
    expect(exit.stdout).not.toContain("survived");
    expect(exit.stderr).toContain("Error: the host's own");
  });

  it("with a reason that is not an error, end it with Node's UnhandledPromiseRejection", async () => {
    const exit = await runProgram(HOST_REJECTS("42"));
    expect(exit.code).toBe(1);
    expect(exit.stderr).toContain(
      'UnhandledPromiseRejection: This error originated either by throwing inside of an async function without a ' +
        "catch block, or by rejecting a promise which was not handled with .catch(). The promise rejected with the " +
        'reason "42".',
    );
    expect(exit.stderr).toContain("code: 'ERR_UNHANDLED_REJECTION'");
  });

  it("follow --unhandled-rejections=warn-with-error-code: a warning, exit code 1, the process runs on", async () => {
    const exit = await runProgram(HOST_REJECTS(`new Error("warned about")`), ["--unhandled-rejections=warn-with-error-code"]);
    expect(exit.stdout).toContain("survived");
    expect(exit.stderr).toContain("UnhandledPromiseRejectionWarning: Error: warned about");
    expect(exit.code).toBe(1);
  });

  it("follow --unhandled-rejections=none: nothing is raised", async () => {
    const exit = await runProgram(HOST_REJECTS(`new Error("ignored")`), ["--unhandled-rejections=none"]);
    expect(exit).toEqual({ code: 0, stdout: "survived\n", stderr: "" });
  });

  it("still end the process when a worker's globals hold the host's own Object", async () => {
    const exit = await runProgram(HOST_REJECTS(`new Error("the host's, whatever the worker's globals")`).replace("log });", "log, globals: { Object } });"));
    expect(exit.code).toBe(1);
    expect(exit.stdout).not.toContain("survived");
    expect(exit.stderr).toContain("Error: the host's, whatever the worker's globals");
  });

  it("go to the host's own listener when it has one, and are not raised a second time", async () => {
    const exit = await runProgram(`
      process.on("unhandledRejection", (reason) => console.log("host listener: " + reason.message));
      ${HOST_REJECTS(`new Error("handled by the host")`)}
    `);
    expect(exit).toEqual({ code: 0, stdout: "host listener: handled by the host\nsurvived\n", stderr: "" });
  });
});

describe("fetch inside the worker", () => {
  it("returns a promise of the worker's realm (so a floating one is known to be the worker's)", async () => {
    const mf = new MiniflareCore({
      modules: true,
      log: new NoOpLog(),
      script: `export default {
        async fetch() {
          const pending = fetch("http://127.0.0.1:1/");
          const realm = Object.getPrototypeOf(pending) === Promise.prototype;
          const failure = await pending.then(() => "resolved", (error) => error.constructor.name + ": " + error.message);
          return Response.json({ realm, instance: pending instanceof Promise, failure, name: fetch.name, length: fetch.length });
        },
      };`,
    });
    try {
      const result = await (await mf.dispatchFetch("http://localhost/")).json();
      expect(result).toEqual({ realm: true, instance: true, failure: "Error: Network connection lost.", name: "fetch", length: 2 });
    } finally {
      await mf.dispose();
    }
  });
});
