/**
 * Shutdown of the `flarelet` command on SIGTERM and SIGINT: connected WebSocket clients see 1001 "Going
 * Away", the process exits with code 0 (not killed by the signal), and a worker's stray errors never take
 * the server down before that.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, connect, ECHO_WORKER, spawnCli, useTempDir } from "./helpers.js";

const tmp = useTempDir();
beforeAll(assertBuilt);

describe("flarelet shutdown", () => {
  it.each([["SIGTERM" as const], ["SIGINT" as const]])("%s closes WebSockets with 1001 and exits 0", async (signal) => {
    const cli = spawnCli([ECHO_WORKER, "--modules", "--port", "0"], { cwd: tmp.path });
    const url = await cli.url();
    const clients = [await connect(url), await connect(url)];
    clients[0]!.ws.send("ping");
    expect(await clients[0]!.nextMessage()).toBe("ping");

    process.kill(cli.child.pid!, signal);
    for (const client of clients) {
      expect(await client.closed()).toEqual({ code: 1001, reason: "Going Away" });
    }
    expect(await cli.exited()).toEqual({ code: 0, signal: null });
    // Nothing but the start-up notice that no compatibility date is set.
    expect(cli.stderr.split("\n").filter((line) => line !== "" && !line.includes("No compatibility date"))).toEqual([]);
  });

  it("SIGTERM with --watch exits 0 too", async () => {
    await tmp.write("worker.mjs", `export default { fetch: () => new Response("ok") };`);
    const cli = spawnCli(["worker.mjs", "--modules", "--port", "0", "--watch"], { cwd: tmp.path });
    const url = await cli.url();
    expect(await (await fetch(url)).text()).toBe("ok");
    process.kill(cli.child.pid!, "SIGTERM");
    expect(await cli.exited()).toEqual({ code: 0, signal: null });
  });

  it("a worker's unhandled rejection and a throwing timer are logged, and the server keeps serving", async () => {
    await tmp.write(
      "worker.mjs",
      `export default {
        fetch(request) {
          const path = new URL(request.url).pathname;
          if (path === "/reject") Promise.reject(new Error("stray rejection"));
          if (path === "/timer") setTimeout(() => { throw new Error("thrown in a timer"); }, 0);
          return new Response("alive " + path);
        },
      };`,
    );
    const cli = spawnCli(["worker.mjs", "--modules", "--port", "0"], { cwd: tmp.path });
    const url = await cli.url();
    expect(await (await fetch(`${url}/reject`)).text()).toBe("alive /reject");
    await cli.waitFor(/stray rejection/);
    expect(await (await fetch(`${url}/timer`)).text()).toBe("alive /timer");
    await cli.waitFor(/thrown in a timer/);
    expect(await (await fetch(`${url}/after`)).text()).toBe("alive /after");
    expect(cli.child.exitCode).toBeNull();
    // Logged once, by core, as the runtime's console shows it (the CLI's own listener leaves it to core).
    expect(cli.stderr.match(/stray rejection/g)).toHaveLength(1);
    expect(cli.stderr).toMatch(/Uncaught \(in promise\) Error: stray rejection/);
  });
});
