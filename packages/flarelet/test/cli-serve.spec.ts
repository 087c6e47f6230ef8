/**
 * The `flarelet` command serving workers, spawned from dist/ under plain `node`: the seed page's echo
 * worker over a real `ws` client, both worker formats, and configuration from flags, .env and wrangler.toml.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, childEnv, connect, ECHO_WORKER, REPO, runCli, spawnCli, useTempDir } from "./helpers.js";

const tmp = useTempDir();
beforeAll(assertBuilt);

/** A worker that answers with the JSON of the named bindings. */
const BINDINGS_WORKER = `export default {
  fetch(request, env) {
    const names = new URL(request.url).searchParams.getAll("name");
    return Response.json(Object.fromEntries(names.map((name) => [name, env[name] ?? null])));
  },
};`;

async function bindingsOf(url: string, names: string[]): Promise<Record<string, unknown>> {
  const query = names.map((name) => `name=${encodeURIComponent(name)}`).join("&");
  const res = await fetch(`${url}/?${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

describe("flarelet serving workers", () => {
  it("serves the seed page's echo worker to a real ws client: text and binary", async () => {
    const cli = spawnCli([ECHO_WORKER, "--modules", "--port", "0"], { cwd: tmp.path });
    const client = await connect(await cli.url());
    client.ws.send("Hello!");
    expect(await client.nextMessage()).toBe("Hello!");
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    client.ws.send(bytes);
    const echoed = await client.nextMessage();
    expect(Buffer.isBuffer(echoed)).toBe(true);
    expect([...(echoed as Buffer)]).toEqual([...bytes]);
    client.ws.send("after binary");
    expect(await client.nextMessage()).toBe("after binary");
  });

  it("runs a modules worker that imports ./util.mjs", async () => {
    await tmp.write("src/worker.mjs", `import { shout } from "./util.mjs";\nexport default { fetch: (request) => new Response(shout(new URL(request.url).pathname)) };`);
    await tmp.write("src/util.mjs", `export const shout = (text) => text.toUpperCase() + "!";`);
    const cli = spawnCli(["src/worker.mjs", "--modules", "--port", "0"], { cwd: tmp.path });
    const res = await fetch(`${await cli.url()}/imported`);
    expect(await res.text()).toBe("/IMPORTED!");
    expect(cli.stdout).toContain("Worker: src/worker.mjs (modules)");
  });

  it("runs a service-worker format worker, with bindings as globals", async () => {
    await tmp.write("sw.js", `addEventListener("fetch", (event) => event.respondWith(new Response("sw " + GREETING + " " + event.request.method)));`);
    const cli = spawnCli(["sw.js", "--port", "0", "-b", "GREETING=hi"], { cwd: tmp.path });
    const res = await fetch(await cli.url(), { method: "PUT", body: "x" });
    expect(await res.text()).toBe("sw hi PUT");
    expect(cli.stdout).toContain("Worker: sw.js (service-worker)");
  });

  it("listens on the host and port given", async () => {
    await tmp.write("worker.mjs", `export default { fetch: () => new Response("ok") };`);
    // Port 0 through -p, host through -H: the banner shows the address really bound.
    const cli = spawnCli(["worker.mjs", "-m", "-p", "0", "-H", "127.0.0.1"], { cwd: tmp.path });
    const url = await cli.url();
    expect(await (await fetch(url)).text()).toBe("ok");
  });
});

describe("flarelet configuration", () => {
  it("--binding values reach the worker's env, repeatable, values may contain =", async () => {
    await tmp.write("worker.mjs", BINDINGS_WORKER);
    const cli = spawnCli(["worker.mjs", "--modules", "--port", "0", "--binding", "A=1", "-b", "B=x=y", "--binding", "EMPTY="], { cwd: tmp.path });
    expect(await bindingsOf(await cli.url(), ["A", "B", "EMPTY"])).toEqual({ A: "1", B: "x=y", EMPTY: "" });
  });

  it("reads ./.env when it exists", async () => {
    await tmp.write("worker.mjs", BINDINGS_WORKER);
    await tmp.write(".env", `# a comment\nFROM_ENV=dot env\nQUOTED="two words"\n`);
    const cli = spawnCli(["worker.mjs", "--modules", "--port", "0"], { cwd: tmp.path });
    expect(await bindingsOf(await cli.url(), ["FROM_ENV", "QUOTED"])).toEqual({ FROM_ENV: "dot env", QUOTED: "two words" });
  });

  it("-e PATH reads another .env file (and not ./.env)", async () => {
    await tmp.write("worker.mjs", BINDINGS_WORKER);
    await tmp.write(".env", "WHICH=default\n");
    await tmp.write("config/test.env", "WHICH=custom\nONLY_CUSTOM=yes\n");
    const cli = spawnCli(["-e", "config/test.env", "worker.mjs", "--modules", "--port", "0"], { cwd: tmp.path });
    expect(await bindingsOf(await cli.url(), ["WHICH", "ONLY_CUSTOM"])).toEqual({ WHICH: "custom", ONLY_CUSTOM: "yes" });
  });

  it("-e PATH for a file that does not exist exits 1 naming it", async () => {
    await tmp.write("worker.mjs", BINDINGS_WORKER);
    const { code, stderr } = await runCli(["worker.mjs", "--modules", "--port", "0", "-e", "nope.env"], { cwd: tmp.path });
    expect(code).toBe(1);
    expect(stderr).toContain("nope.env");
  });

  it("reads wrangler.toml: main, vars and compatibility settings", async () => {
    await tmp.write("src/index.mjs", `export default {
      fetch(request, env) {
        return Response.json({ vars: env.FROM_TOML, number: env.NUMBER, nested: env.NESTED, binaryType: new WebSocketPair()[0].binaryType });
      },
    };`);
    await tmp.write(
      "wrangler.toml",
      `name = "test"\nmain = "src/index.mjs"\ncompatibility_date = "2026-03-20"\ncompatibility_flags = []\n\n[vars]\nFROM_TOML = "toml"\nNUMBER = 42\nNESTED = { a = 1 }\n`,
    );
    // No script on the command line: main comes from wrangler.toml, resolved against its folder.
    const cli = spawnCli(["--modules", "--port", "0"], { cwd: tmp.path });
    const res = await fetch(await cli.url());
    // From 2026-03-17 (websocket_standard_binary_type) binaryType defaults to "blob": the date reached the worker.
    expect(await res.json()).toEqual({ vars: "toml", number: 42, nested: { a: 1 }, binaryType: "blob" });
    expect(cli.stdout).toContain("Worker: src/index.mjs (modules)");
  });

  it("--wrangler-env staging uses [env.staging]: its vars, and inherited main", async () => {
    await tmp.write("worker.mjs", BINDINGS_WORKER);
    await tmp.write(
      "wrangler.toml",
      `main = "worker.mjs"\n[vars]\nSTAGE = "production"\nTOP_ONLY = "top"\n\n[env.staging.vars]\nSTAGE = "staging"\n`,
    );
    const top = spawnCli(["--modules", "--port", "0"], { cwd: tmp.path });
    expect(await bindingsOf(await top.url(), ["STAGE", "TOP_ONLY"])).toEqual({ STAGE: "production", TOP_ONLY: "top" });
    const staging = spawnCli(["--modules", "--port", "0", "--wrangler-env", "staging"], { cwd: tmp.path });
    // As in wrangler, vars are not inherited by an environment.
    expect(await bindingsOf(await staging.url(), ["STAGE", "TOP_ONLY"])).toEqual({ STAGE: "staging", TOP_ONLY: null });
  });

  it("--wrangler-env with an unknown environment exits 1 listing the known ones", async () => {
    await tmp.write("worker.mjs", BINDINGS_WORKER);
    await tmp.write("wrangler.toml", `main = "worker.mjs"\n[env.staging]\n[env.production]\n`);
    const { code, stderr } = await runCli(["--modules", "--port", "0", "--wrangler-env", "qa"], { cwd: tmp.path });
    expect(code).toBe(1);
    expect(stderr).toContain("has no [env.qa] section; it defines: staging, production");
  });

  it("-c PATH reads a wrangler.toml elsewhere, with main relative to its folder", async () => {
    await tmp.write("app/worker.mjs", BINDINGS_WORKER);
    await tmp.write("app/wrangler.toml", `main = "worker.mjs"\n[vars]\nWHERE = "app"\n`);
    const cli = spawnCli(["-c", "app/wrangler.toml", "--modules", "--port", "0"], { cwd: tmp.path });
    expect(await bindingsOf(await cli.url(), ["WHERE"])).toEqual({ WHERE: "app" });
  });

  it("a malformed wrangler.toml exits 1 with the file, line and column", async () => {
    await tmp.write("worker.mjs", BINDINGS_WORKER);
    await tmp.write("wrangler.toml", `main = "worker.mjs"\n[vars]\nBROKEN = \n`);
    const { code, stderr } = await runCli(["--modules", "--port", "0"], { cwd: tmp.path });
    expect(code).toBe(1);
    expect(stderr).toMatch(/Cannot parse .*wrangler\.toml:3:\d+: /);
  });

  it("precedence for the same key: --binding beats .env beats wrangler.toml", async () => {
    await tmp.write("worker.mjs", BINDINGS_WORKER);
    await tmp.write("wrangler.toml", `main = "worker.mjs"\n[vars]\nKEY = "toml"\nTOML_AND_ENV = "toml"\nTOML_ONLY = "toml"\n`);
    await tmp.write(".env", "KEY=env\nTOML_AND_ENV=env\n");
    const cli = spawnCli(["--modules", "--port", "0", "--binding", "KEY=flag"], { cwd: tmp.path });
    expect(await bindingsOf(await cli.url(), ["KEY", "TOML_AND_ENV", "TOML_ONLY"])).toEqual({ KEY: "flag", TOML_AND_ENV: "env", TOML_ONLY: "toml" });
  });

  it("precedence for the script and the compatibility date: flags beat wrangler.toml", async () => {
    await tmp.write("from-toml.mjs", `export default { fetch: () => new Response("toml main") };`);
    await tmp.write("from-flag.mjs", `export default { fetch: () => new Response(new WebSocketPair()[0].binaryType) };`);
    await tmp.write("wrangler.toml", `main = "from-toml.mjs"\ncompatibility_date = "2026-03-20"\n`);
    const cli = spawnCli(["from-flag.mjs", "--modules", "--port", "0", "--compat-date", "2024-01-01"], { cwd: tmp.path });
    // The flag's script ran, and its date (before websocket_standard_binary_type) gave "arraybuffer".
    expect(await (await fetch(await cli.url())).text()).toBe("arraybuffer");
  });

  it("--compat-flag reaches the worker", async () => {
    await tmp.write("worker.mjs", `export default { fetch: () => new Response(new WebSocketPair()[0].binaryType) };`);
    const cli = spawnCli(["worker.mjs", "--modules", "--port", "0", "--compat-flag", "websocket_standard_binary_type"], { cwd: tmp.path });
    expect(await (await fetch(await cli.url())).text()).toBe("blob");
  });
});

describe("the root README's client against examples/echo.mjs", () => {
  /** The `node -e '…'` program of the root README, as written. */
  async function readmeClient(): Promise<string> {
    const readme = await readFile(path.join(REPO, "README.md"), "utf8");
    const match = /^node -e '(.*)'$/m.exec(readme);
    if (match === null) throw new Error("the root README has no node -e client");
    return match[1]!;
  }

  it.each([["no compatibility date", []], ["2026-05-01 (the runtime answers closes itself)", ["--compat-date", "2026-05-01"]]])(
    "ends cleanly at once: its close is answered by the worker, not left to time out (%s)",
    async (_, flags) => {
      const cli = spawnCli([ECHO_WORKER, "--port", "0", ...flags], { cwd: tmp.path });
      const port = new URL(await cli.url()).port;
      const client = (await readmeClient()).replace("127.0.0.1:8787", `127.0.0.1:${port}`);
      // The client as written, plus a line reporting how its close ended: 1006 would mean no Close came back.
      const program = `${client}; ws.on("close", (code) => console.log("closed " + code))`;
      const { stdout, code } = await new Promise<{ stdout: string; code: number | null }>((resolve) => {
        execFile(process.execPath, ["-e", program], { cwd: path.join(REPO, "packages/web-sockets"), env: childEnv(), timeout: 20_000 }, (error, out) =>
          resolve({ stdout: out, code: error === null ? 0 : typeof error.code === "number" ? error.code : null }),
        );
      });
      expect(code).toBe(0);
      // ws.close() sends no code, and the worker answers with none: 1005 "No Status Received", a clean close.
      expect(stdout).toBe("Hello!\nclosed 1005\n");
    },
  );
});
