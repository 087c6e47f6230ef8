/**
 * `flarelet --watch`, spawned from dist/: edits reload the worker (open WebSockets closed with 1012, new
 * connections reach the new code), a broken edit keeps the last good version serving, and configuration
 * files are watched too.
 */
import { rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, connect, servedAfterReload, spawnCli, useTempDir } from "./helpers.js";

const tmp = useTempDir();
beforeAll(assertBuilt);

/** An echo worker that prefixes each echo with `tag`, so that a test can tell versions apart. */
function taggedEcho(tag: string): string {
  return `export default {
  fetch(request) {
    if (request.headers.get("Upgrade") !== "websocket") return new Response(${JSON.stringify(tag)});
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    server.addEventListener("message", (event) => server.send(${JSON.stringify(tag)} + ":" + event.data));
    return new Response(null, { status: 101, webSocket: client });
  },
};`;
}

describe("flarelet --watch", () => {
  it("closes a connected client with 1012 on an edit, and serves the edited code", async () => {
    await tmp.write("worker.mjs", taggedEcho("v1"));
    const cli = spawnCli(["worker.mjs", "--modules", "--port", "0", "--watch"], { cwd: tmp.path });
    const url = await cli.url();
    const client = await connect(url);
    client.ws.send("a");
    expect(await client.nextMessage()).toBe("v1:a");

    const mark = cli.mark();
    await tmp.write("worker.mjs", taggedEcho("v2"));
    expect(await client.closed()).toEqual({ code: 1012, reason: "Service Restart" });
    await cli.waitFor(/Reloaded in \d+(\.\d+)?ms/, { after: mark });

    const fresh = await connect(url);
    fresh.ws.send("b");
    expect(await fresh.nextMessage()).toBe("v2:b");
    expect(await (await fetch(url)).text()).toBe("v2");
  });

  it("reloads when an imported module changes", async () => {
    await tmp.write("worker.mjs", `import { version } from "./lib/version.mjs";\nexport default { fetch: () => new Response(version) };`);
    await tmp.write("lib/version.mjs", `export const version = "one";`);
    const cli = spawnCli(["worker.mjs", "--modules", "--port", "0", "--watch"], { cwd: tmp.path });
    const url = await cli.url();
    expect(await (await fetch(url)).text()).toBe("one");
    const mark = cli.mark();
    await tmp.write("lib/version.mjs", `export const version = "two";`);
    await cli.waitFor(/Reloaded in/, { after: mark });
    expect(await (await fetch(url)).text()).toBe("two");
  });

  it("sees an editor's save by rename (write a new file, rename it over the old one)", async () => {
    await tmp.write("worker.mjs", taggedEcho("before"));
    const cli = spawnCli(["worker.mjs", "--modules", "--port", "0", "--watch"], { cwd: tmp.path });
    const url = await cli.url();
    for (const tag of ["after-1", "after-2"]) {
      const mark = cli.mark();
      const temporary = path.join(tmp.path, `.worker.mjs.${tag}.tmp`);
      await writeFile(temporary, taggedEcho(tag));
      await rename(temporary, path.join(tmp.path, "worker.mjs"));
      await cli.waitFor(/Reloaded in/, { after: mark });
      expect(await (await fetch(url)).text()).toBe(tag);
    }
  });

  it("a broken edit logs the error and keeps the old version serving; fixing it reloads", async () => {
    await tmp.write("worker.mjs", taggedEcho("good"));
    const cli = spawnCli(["worker.mjs", "--modules", "--port", "0", "--watch"], { cwd: tmp.path });
    const url = await cli.url();

    let mark = cli.mark();
    await tmp.write("worker.mjs", `export default { fetch( => oops };`);
    await cli.waitFor(/ERR_SCRIPT_SYNTAX/, { after: mark });
    await cli.waitFor(/last good version keeps serving/, { after: mark });
    expect(await (await fetch(url)).text()).toBe("good");
    // New connections reach the old version too.
    const again = await connect(url);
    again.ws.send("new");
    expect(await again.nextMessage()).toBe("good:new");

    mark = cli.mark();
    await tmp.write("worker.mjs", taggedEcho("fixed"));
    await cli.waitFor(/Reloaded in/, { after: mark });
    expect(await (await fetch(url)).text()).toBe("fixed");
  });

  it("a worker that fails to load at start-up is loaded once it is fixed", async () => {
    await tmp.write("worker.mjs", `export default { fetch( };`);
    const cli = spawnCli(["worker.mjs", "--modules", "--port", "0", "--watch"], { cwd: tmp.path });
    const url = await cli.url();
    await cli.waitFor(/failed to load; fix it and save/);
    expect((await fetch(url)).status).toBe(500);
    const mark = cli.mark();
    await tmp.write("worker.mjs", taggedEcho("loaded"));
    // The write may be seen half done first (writeFile truncates, then writes): wait for the reload that serves it.
    expect(await servedAfterReload(cli, url, "loaded", mark)).toBe("loaded");
  });

  it("reloads when .env or wrangler.toml changes, re-reading them", async () => {
    await tmp.write("worker.mjs", `export default { fetch: (request, env) => new Response(env.FROM_ENV + "/" + env.FROM_TOML) };`);
    await tmp.write("wrangler.toml", `main = "worker.mjs"\n[vars]\nFROM_TOML = "t1"\n`);
    await tmp.write(".env", "FROM_ENV=e1\n");
    const cli = spawnCli(["--modules", "--port", "0", "--watch"], { cwd: tmp.path });
    const url = await cli.url();
    expect(await (await fetch(url)).text()).toBe("e1/t1");

    let mark = cli.mark();
    await tmp.write(".env", "FROM_ENV=e2\n");
    expect(await servedAfterReload(cli, url, "e2/t1", mark)).toBe("e2/t1");

    mark = cli.mark();
    await tmp.write("wrangler.toml", `main = "worker.mjs"\n[vars]\nFROM_TOML = "t2"\n`);
    expect(await servedAfterReload(cli, url, "e2/t2", mark)).toBe("e2/t2");
  });

  it("a broken wrangler.toml edit logs the parse error and keeps serving; the next save retries it", async () => {
    await tmp.write("worker.mjs", `export default { fetch: (request, env) => new Response(env.V) };`);
    await tmp.write("wrangler.toml", `main = "worker.mjs"\n[vars]\nV = "first"\n`);
    const cli = spawnCli(["--modules", "--port", "0", "--watch"], { cwd: tmp.path });
    const url = await cli.url();
    expect(await (await fetch(url)).text()).toBe("first");

    let mark = cli.mark();
    await tmp.write("wrangler.toml", `main = "worker.mjs"\n[vars]\nV = \n`);
    await cli.waitFor(/Cannot parse .*wrangler\.toml:3:\d+/, { after: mark });
    await cli.waitFor(/last good version keeps serving/, { after: mark });
    expect(await (await fetch(url)).text()).toBe("first");

    // Saving another file retries with the configuration read again (still broken: another error).
    mark = cli.mark();
    await tmp.write("worker.mjs", `export default { fetch: (request, env) => new Response("edited " + env.V) };`);
    await cli.waitFor(/Cannot parse .*wrangler\.toml/, { after: mark });

    mark = cli.mark();
    await tmp.write("wrangler.toml", `main = "worker.mjs"\n[vars]\nV = "fixed"\n`);
    await cli.waitFor(/Reloaded in/, { after: mark });
    expect(await (await fetch(url)).text()).toBe("edited fixed");
  });

  it("picks up a .env created after start-up", async () => {
    await tmp.write("worker.mjs", `export default { fetch: (request, env) => new Response(String(env.LATE)) };`);
    const cli = spawnCli(["worker.mjs", "--modules", "--port", "0", "--watch"], { cwd: tmp.path });
    const url = await cli.url();
    expect(await (await fetch(url)).text()).toBe("undefined");
    const mark = cli.mark();
    await tmp.write(".env", "LATE=arrived\n");
    expect(await servedAfterReload(cli, url, "arrived", mark)).toBe("arrived");
  });
});

describe("flarelet --watch, bundled projects", () => {
  it("rebuilds when a TypeScript file the entry imports changes", async () => {
    await tmp.write("src/index.ts", `import { word } from "./word";\nexport default { fetch: (): Response => new Response(word) };`);
    await tmp.write("src/word.ts", `export const word: string = "one";`);
    const cli = spawnCli(["src/index.ts", "--port", "0", "--watch"], { cwd: tmp.path });
    const url = await cli.url();
    expect(await (await fetch(url)).text()).toBe("one");
    const mark = cli.mark();
    await tmp.write("src/word.ts", `export const word: string = "two";`);
    expect(await servedAfterReload(cli, url, "two", mark)).toBe("two");
  });

  it("a build error prints esbuild's message with file, line and code frame, and keeps the last good version", async () => {
    await tmp.write("src/index.ts", `import { word } from "./word";\nexport default { fetch: (): Response => new Response(word) };`);
    await tmp.write("src/word.ts", `export const word: string = "good";`);
    const cli = spawnCli(["src/index.ts", "--port", "0", "--watch"], { cwd: tmp.path });
    const url = await cli.url();

    let mark = cli.mark();
    await tmp.write("src/word.ts", `export const word: string = ;`);
    await cli.waitFor(/last good version keeps serving/, { after: mark });
    const printed = cli.textSince(mark);
    expect(printed).toContain("ERR_BUILD");
    expect(printed).toContain("src/word.ts:1:28:");
    expect(printed).toContain("export const word: string = ;");
    expect(await (await fetch(url)).text()).toBe("good");

    mark = cli.mark();
    await tmp.write("src/word.ts", `export const word: string = "fixed";`);
    expect(await servedAfterReload(cli, url, "fixed", mark)).toBe("fixed");
  });
});

describe("flarelet --watch, files that appear later", () => {
  it("loads a script whose folder is created after start-up", async () => {
    const cli = spawnCli(["out/deep/worker.mjs", "--port", "0", "--watch"], { cwd: tmp.path });
    const url = await cli.url();
    expect((await fetch(url)).status).toBe(500);
    const mark = cli.mark();
    await tmp.write("out/deep/worker.mjs", `export default { fetch: () => new Response("arrived") };`);
    expect(await servedAfterReload(cli, url, "arrived", mark)).toBe("arrived");
  });
});

describe("flarelet --watch, custom builds", () => {
  it("runs [build] command at start and again when a file under watch_dir changes", async () => {
    const copy = `node -e "const fs = require('fs'); fs.mkdirSync('dist', { recursive: true }); fs.copyFileSync('src/w.mjs', 'dist/w.mjs')"`;
    await tmp.write("wrangler.toml", `main = "dist/w.mjs"\n[build]\ncommand = '''${copy}'''\n`);
    await tmp.write("src/w.mjs", `export default { fetch: () => new Response("first") };`);
    const cli = spawnCli(["--port", "0", "--watch"], { cwd: tmp.path });
    const url = await cli.url();
    expect(cli.stdout).toContain(`Running custom build: ${copy}`);
    expect(await (await fetch(url)).text()).toBe("first");
    const mark = cli.mark();
    await tmp.write("src/w.mjs", `export default { fetch: () => new Response("second") };`);
    expect(await servedAfterReload(cli, url, "second", mark)).toBe("second");
  });
});
