import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { request } from "undici";
import { beforeAll, describe, expect, it } from "vitest";
import { closed, connect, deferred, ECHO_WORKER, nextMessage, rawSocket, readUntil, Reports, upgradeRequest, useServer } from "./helpers.js";

const packageRoot = path.resolve(fileURLToPath(import.meta.url), "../..");

const SLOW_WORKER = `
export default {
  async fetch(request, env) {
    env.report("arrived");
    await env.gate();
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    server.addEventListener("close", (event) => env.report("close", event.code, event.reason, event.wasClean));
    return new Response(null, { status: 101, webSocket: client });
  },
};
`;

describe("reload", () => {
  it("closes every server-side WebSocket with 1012 Service Restart, and serves the new load", async () => {
    const { mf, wsUrl } = await useServer(ECHO_WORKER);
    const first = await connect(wsUrl);
    const second = await connect(`${wsUrl}/other`);
    await mf.reload();
    expect(await closed(first)).toEqual({ code: 1012, reason: "Service Restart" });
    expect(await closed(second)).toEqual({ code: 1012, reason: "Service Restart" });
    const after = await connect(wsUrl);
    after.send("after reload");
    expect((await nextMessage(after)).data).toBe("after reload");
  });
});

describe("reload with plain requests in flight", () => {
  // Answers after a timer, or streams one chunk per interval: both need the load's timers.
  const TIMED_WORKER = `export default {
    async fetch(request, env) {
      const path = new URL(request.url).pathname;
      env.report("entered " + path);
      if (path === "/slow") {
        await scheduler.wait(60_000);
        return new Response("late");
      }
      if (path === "/stream") {
        let tick = 0;
        const body = new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode("first\\n"));
            setInterval(() => controller.enqueue(new TextEncoder().encode("tick " + tick++ + "\\n")), 20);
          },
        });
        return new Response(body);
      }
      return new Response("current version");
    },
  };`;

  it("a request waiting on the old version gets a 500 naming ERR_RELOADED, and the new version answers", async () => {
    const reports = new Reports();
    const { mf, port, log } = await useServer(TIMED_WORKER, { bindings: { report: reports.binding } });
    const pending = request(`http://127.0.0.1:${port}/slow`);
    await reports.next("entered /slow");
    await mf.reload();
    const response = await pending;
    expect(response.statusCode).toBe(500);
    await response.body.text();
    expect(await log.waitFor("GET /slow: FlareletError [ERR_RELOADED]")).toContain(
      "The worker was reloaded while this request was in flight",
    );
    expect(await (await request(`http://127.0.0.1:${port}/`)).body.text()).toBe("current version");
  });

  it("a body the old version was still streaming is cut and logged, not left hanging", async () => {
    const reports = new Reports();
    const { mf, port, log } = await useServer(TIMED_WORKER, { bindings: { report: reports.binding } });
    const socket = await rawSocket(port);
    socket.write("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
    await readUntil(socket, "first");
    await mf.reload();
    await once(socket, "close"); // the connection is cut: the chunked body never gets its last chunk
    expect(await log.waitFor("GET /stream: BodyStreamError")).toContain(
      "The worker was reloaded while this response was streaming; the version producing it is gone.",
    );
  });
});

describe("shutdown", () => {
  it("server.close() closes every WebSocket with 1001 Going Away", async () => {
    const { server, wsUrl } = await useServer(ECHO_WORKER);
    const ws = await connect(wsUrl);
    const serverClosed = once(server, "close");
    server.close();
    expect(await closed(ws)).toEqual({ code: 1001, reason: "Going Away" });
    await serverClosed; // nothing left open: the server reports "close"
  });

  it("dispose() closes every WebSocket with 1001 Going Away and closes the plugin's servers", async () => {
    const { mf, server, wsUrl } = await useServer(ECHO_WORKER);
    const ws = await connect(wsUrl);
    const serverClosed = once(server, "close");
    await mf.dispose();
    expect(await closed(ws)).toEqual({ code: 1001, reason: "Going Away" });
    await serverClosed;
    expect(server.listening).toBe(false);
  });

  it("answers 503 to a handshake still waiting for the worker, whose end then sees 1006", async () => {
    const reports = new Reports();
    const gate = deferred();
    const { server, port, log } = await useServer(SLOW_WORKER, { bindings: { report: reports.binding, gate: () => gate.promise } });
    const socket = await rawSocket(port);
    socket.write(upgradeRequest("/"));
    await reports.next("arrived");
    const answer = readUntil(socket, "shutting down");
    server.close();
    expect(await answer).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    gate.resolve();
    expect(await reports.next("close")).toEqual([1006, "WebSocket disconnected without sending Close frame.", false]);
    expect(log.errors).toEqual([]);
  });

  it("keeps serving plain HTTP while a WebSocket is open", async () => {
    const { url, wsUrl } = await useServer(`
      export default {
        fetch(request) {
          if (request.headers.get("upgrade") !== "websocket") return new Response("plain");
          const [client, server] = Object.values(new WebSocketPair());
          server.accept();
          return new Response(null, { status: 101, webSocket: client });
        },
      };
    `);
    await connect(wsUrl);
    const response = await request(url);
    expect(await response.body.text()).toBe("plain");
  });

  for (const mode of ["close", "dispose"] as const) {
    it(`leaves no handle open after ${mode === "close" ? "server.close() and dispose()" : "dispose()"}: the process exits by itself`, async () => {
      const child = spawn(process.execPath, [path.join(packageRoot, "test/fixtures/exit-after-close.mjs"), mode], {
        cwd: packageRoot,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      // A safety net only: a child that hangs is killed, and the test fails on its signal.
      const guard = setTimeout(() => child.kill("SIGKILL"), 15_000);
      const [code, signal] = (await once(child, "exit")) as [number | null, string | null];
      clearTimeout(guard);
      expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: "" });
      expect(JSON.parse(stdout)).toEqual({ code: 1001, reason: "Going Away" });
    });
  }
});

// The exit test runs the built package, as a user would.
beforeAll(async () => {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  await promisify(execFile)(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: packageRoot });
}, 60_000);
