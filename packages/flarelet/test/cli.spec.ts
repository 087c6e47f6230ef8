/**
 * The `flarelet` command, spawned from dist/ under plain `node`: help, version, usage errors, the banner,
 * the request log and colour.
 */
import { once } from "node:events";
import { readFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { FLAGS } from "../src/cli/args.js";
import { assertBuilt, childEnv, ECHO_WORKER, onCleanup, PACKAGE, runCli, spawnCli, useTempDir } from "./helpers.js";

const tmp = useTempDir();
beforeAll(assertBuilt);

const HELLO_WORKER = `export default { fetch: (request) => new Response("hello " + new URL(request.url).pathname) };`;

describe("flarelet --help and --version", () => {
  it("--help lists every flag with its description, and exits 0", async () => {
    const { code, stdout, stderr } = await runCli(["--help"], { cwd: tmp.path });
    expect(code).toBe(0);
    expect(stderr).toBe("");
    expect(stdout).toContain("Usage: flarelet [script] [options]");
    for (const flag of FLAGS) {
      const line = stdout.split("\n").find((candidate) => candidate.includes(`--${flag.name}`) && candidate.includes(flag.description));
      expect(line, `--${flag.name} with its description`).toBeDefined();
      if ("short" in flag) expect(line).toContain(`-${flag.short}, --${flag.name}`);
    }
  });

  it("-h is --help", async () => {
    const { code, stdout } = await runCli(["-h"], { cwd: tmp.path });
    expect(code).toBe(0);
    expect(stdout).toContain("--wrangler-env NAME");
  });

  it("--version and -v print the package version", async () => {
    const { version } = JSON.parse(await readFile(path.join(PACKAGE, "package.json"), "utf8")) as { version: string };
    for (const flag of ["--version", "-v"]) {
      const { code, stdout } = await runCli([flag], { cwd: tmp.path });
      expect(code).toBe(0);
      expect(stdout).toBe(`${version}\n`);
    }
  });
});

describe("flarelet usage errors", () => {
  it("an unknown flag exits 1 with a message and the usage line", async () => {
    const { code, stdout, stderr } = await runCli([ECHO_WORKER, "--modules", "--no-such-flag"], { cwd: tmp.path });
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain("flarelet: Unknown flag --no-such-flag");
    expect(stderr).toContain("Usage: flarelet [script] [options]");
  });

  it.each([["abc"], ["65536"], ["-1"], ["80.5"]])("a bad --port %s exits 1 and says what a port is", async (port) => {
    const { code, stderr } = await runCli([ECHO_WORKER, "--port", port], { cwd: tmp.path });
    expect(code).toBe(1);
    expect(stderr).toMatch(/Invalid --port|Missing value for --port/);
    expect(stderr).toContain("Usage: flarelet");
  });

  it("a value-taking flag without its value exits 1", async () => {
    const { code, stderr } = await runCli([ECHO_WORKER, "--port"], { cwd: tmp.path });
    expect(code).toBe(1);
    expect(stderr).toContain("flarelet: Missing value for --port");
  });

  it("a --binding without = exits 1", async () => {
    const { code, stderr } = await runCli([ECHO_WORKER, "--binding", "NOVALUE"], { cwd: tmp.path });
    expect(code).toBe(1);
    expect(stderr).toContain('Invalid --binding "NOVALUE": expected KEY=VALUE');
  });

  it("a malformed --compat-date exits 1", async () => {
    const { code, stderr } = await runCli([ECHO_WORKER, "--compat-date", "2024-02-30"], { cwd: tmp.path });
    expect(code).toBe(1);
    expect(stderr).toContain('Invalid --compat-date "2024-02-30"');
  });

  it("no script (and no wrangler.toml) exits 1 with 'No script given' and the usage line", async () => {
    const { code, stderr } = await runCli(["--modules"], { cwd: tmp.path });
    expect(code).toBe(1);
    expect(stderr).toContain("flarelet: No script given");
    expect(stderr).toContain("Usage: flarelet [script] [options]");
  });

  it("a script that does not exist exits 1 with its path", async () => {
    const { code, stderr } = await runCli(["missing.mjs", "--modules", "--port", "0"], { cwd: tmp.path });
    expect(code).toBe(1);
    expect(stderr).toContain(path.join(tmp.path, "missing.mjs"));
  });

  it("a port already in use exits 1 and says so", async () => {
    await tmp.write("worker.mjs", HELLO_WORKER);
    const blocker = http.createServer();
    blocker.listen(0, "127.0.0.1");
    await once(blocker, "listening");
    onCleanup(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const { port } = blocker.address() as AddressInfo;
    const { code, stderr } = await runCli(["worker.mjs", "--modules", "--port", String(port)], { cwd: tmp.path });
    expect(code).toBe(1);
    expect(stderr).toContain(`Cannot listen on 127.0.0.1:${port}: the port is in use (pick another with --port).`);
  });
});

describe("flarelet banner and request log", () => {
  it("a modules worker needs no --modules: the format follows its exports, as in wrangler", async () => {
    await tmp.write("worker.mjs", HELLO_WORKER);
    const cli = spawnCli(["worker.mjs", "--port", "0"], { cwd: tmp.path });
    const url = await cli.url();
    expect(cli.stdout).toContain("Worker: worker.mjs (modules)\n");
    expect(await (await fetch(`${url}/x`)).text()).toBe("hello /x");
  });

  it("prints the version, the worker path and format, and the real URL it listens on", async () => {
    await tmp.write("worker.mjs", HELLO_WORKER);
    const cli = spawnCli(["worker.mjs", "--modules", "--port", "0"], { cwd: tmp.path });
    const url = await cli.url();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(url).not.toBe("http://127.0.0.1:0");
    const { version } = JSON.parse(await readFile(path.join(PACKAGE, "package.json"), "utf8")) as { version: string };
    expect(cli.stdout).toContain(`flarelet ${version}\n`);
    expect(cli.stdout).toContain("Worker: worker.mjs (modules)\n");
    expect(await (await fetch(`${url}/there`)).text()).toBe("hello /there");
  });

  it("logs one line per request: method, path, status and time", async () => {
    await tmp.write("worker.mjs", `export default { fetch: (request) => new Response("", { status: new URL(request.url).pathname === "/missing" ? 404 : 200 }) };`);
    const cli = spawnCli(["worker.mjs", "--modules", "--port", "0"], { cwd: tmp.path });
    const url = await cli.url();
    await (await fetch(`${url}/`)).text();
    await cli.waitFor(/^GET \/ 200 OK \(\d+\.\d{2}ms\)$/m);
    await (await fetch(`${url}/missing`, { method: "POST", body: "x" })).text();
    await cli.waitFor(/^POST \/missing 404 Not Found \(\d+\.\d{2}ms\)$/m);
  });

  it("prints no colour codes when stdout is not a TTY", async () => {
    await tmp.write("worker.mjs", HELLO_WORKER);
    const cli = spawnCli(["worker.mjs", "--modules", "--port", "0"], { cwd: tmp.path, env: childEnv() });
    const url = await cli.url();
    await (await fetch(url)).text();
    await cli.waitFor(/GET \/ 200 OK/);
    expect(cli.stdout).not.toContain("\x1b[");
  });

  it("colours the banner and request log when FORCE_COLOR asks for it (so the test above can fail)", async () => {
    await tmp.write("worker.mjs", HELLO_WORKER);
    const cli = spawnCli(["worker.mjs", "--modules", "--port", "0"], { cwd: tmp.path, env: childEnv({ FORCE_COLOR: "1" }) });
    const url = await cli.url();
    await (await fetch(url)).text();
    await cli.waitFor(/GET \/ 200 OK/);
    expect(cli.stdout).toContain("\x1b[1mGET\x1b[22m");
  });

  it("NO_COLOR wins over FORCE_COLOR", async () => {
    await tmp.write("worker.mjs", HELLO_WORKER);
    const cli = spawnCli(["worker.mjs", "--modules", "--port", "0"], { cwd: tmp.path, env: childEnv({ FORCE_COLOR: "1", NO_COLOR: "1" }) });
    const url = await cli.url();
    await (await fetch(url)).text();
    await cli.waitFor(/GET \/ 200 OK/);
    expect(cli.stdout).not.toContain("\x1b[");
  });

  it("--debug logs debug lines", async () => {
    await tmp.write("worker.mjs", HELLO_WORKER);
    const quiet = spawnCli(["worker.mjs", "--modules", "--port", "0"], { cwd: tmp.path });
    await quiet.url();
    expect(quiet.stdout).not.toContain(":dbg]");
    const cli = spawnCli(["worker.mjs", "--modules", "--port", "0", "--debug", "--watch"], { cwd: tmp.path });
    await cli.url();
    // The watcher reports each reload's changed files at debug level; any debug line proves the level.
    await tmp.write("worker.mjs", HELLO_WORKER.replace("hello", "hi"));
    await cli.waitFor(/\[flarelet:dbg\] Changed: worker\.mjs/);
  });
});

describe("flarelet banner: bindings and compatibility date", () => {
  it("lists the bindings as wrangler dev does, masking secrets from .dev.vars and .env", async () => {
    await tmp.write("worker.mjs", HELLO_WORKER);
    await tmp.write("wrangler.toml", `main = "worker.mjs"\ncompatibility_date = "2025-01-01"\n[vars]\nGREETING = "hello"\nLIMITS = { max = 3 }\n`);
    await tmp.write(".dev.vars", "API_TOKEN=super-secret\n");
    await tmp.write(".env", "DB_PASSWORD=also-secret\n");
    const cli = spawnCli(["--port", "0", "-b", "FLAG=on"], { cwd: tmp.path });
    await cli.url();
    const lines = cli.stdout.split("\n").map((line) => line.trimEnd());
    const at = lines.indexOf("Your worker has access to the following bindings:");
    expect(at).toBeGreaterThan(-1);
    expect(lines[at + 1]!.trim().split(/\s{2,}/)).toEqual(["Binding", "Resource"]);
    const table = lines.slice(at + 2, at + 7).map((line) => line.trim().split(/\s{2,}/));
    expect(table).toEqual([
      ['env.API_TOKEN ("(hidden)")', "Environment Variable"],
      ['env.DB_PASSWORD ("(hidden)")', "Environment Variable"],
      ['env.FLAG ("on")', "Environment Variable"],
      ['env.GREETING ("hello")', "Environment Variable"],
      ['env.LIMITS ({"max":3})', "Environment Variable"],
    ]);
    expect(cli.stdout + cli.stderr).not.toMatch(/super-secret|also-secret/);
    expect(cli.stdout + cli.stderr).not.toContain("No compatibility date");
  });

  it("without a compatibility date says so in one line, naming how to set one", async () => {
    await tmp.write("worker.mjs", HELLO_WORKER);
    const cli = spawnCli(["worker.mjs", "--port", "0"], { cwd: tmp.path });
    await cli.url();
    const notices = (cli.stdout + cli.stderr).split("\n").filter((line) => line.includes("compatibility date"));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(
      /No compatibility date is set, so the oldest runtime behaviour applies\. Set one with compatibility_date = "\d{4}-\d{2}-\d{2}" in wrangler\.toml \(or wrangler\.json\) or --compat-date \d{4}-\d{2}-\d{2}\.$/,
    );
  });
});
