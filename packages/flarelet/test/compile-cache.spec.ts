/**
 * dist/cli.js runs the bundled CLI with a V8 code cache (src/compile-cache.ts): written once the command
 * serves, used by the next start, never written by runs that do not serve, and off with
 * FLARELET_NO_COMPILE_CACHE.
 */
import { cp, readdir, stat, symlink } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, childEnv, PACKAGE, runCli, spawnCli, useTempDir, withTimeout } from "./helpers.js";

const tmp = useTempDir();
beforeAll(assertBuilt);

const HELLO = `export default { fetch: () => new Response("hello") };`;

async function cacheFiles(cacheHome: string): Promise<string[]> {
  try {
    return (await readdir(path.join(cacheHome, "flarelet"))).filter((name) => name.endsWith(".v8cache"));
  } catch {
    return [];
  }
}

/** Waits (bounded) until the cache folder holds a cache file. */
async function waitForCache(cacheHome: string): Promise<string[]> {
  return withTimeout(
    (async () => {
      for (;;) {
        const files = await cacheFiles(cacheHome);
        if (files.length > 0) return files;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })(),
    "the compile cache to be written",
  );
}

describe("the CLI's compile cache", () => {
  it("is written once the command serves, and the next start uses it without rewriting it", async () => {
    await tmp.write("worker.mjs", HELLO);
    const cacheHome = path.join(tmp.path, "cache");
    const env = childEnv({ XDG_CACHE_HOME: cacheHome });

    const first = spawnCli(["worker.mjs", "--modules", "--port", "0"], { cwd: tmp.path, env });
    expect(await (await fetch(await first.url())).text()).toBe("hello");
    const [file] = await waitForCache(cacheHome);
    expect(file).toMatch(new RegExp(`^cli-bundle\\.cjs-[0-9a-f]{8}-\\d+-\\d+-${process.version.replace(/\./g, "\\.")}-${process.arch}\\.v8cache$`));
    const written = await stat(path.join(cacheHome, "flarelet", file!));
    expect(written.size).toBeGreaterThan(0);
    process.kill(first.child.pid!, "SIGTERM");
    await first.exited();

    const second = spawnCli(["worker.mjs", "--modules", "--port", "0"], { cwd: tmp.path, env });
    expect(await (await fetch(await second.url())).text()).toBe("hello");
    process.kill(second.child.pid!, "SIGTERM");
    expect(await second.exited()).toEqual({ code: 0, signal: null });
    // An accepted cache is not written again.
    expect(await cacheFiles(cacheHome)).toEqual([file]);
    expect((await stat(path.join(cacheHome, "flarelet", file!))).mtimeMs).toBe(written.mtimeMs);
  });

  it("keeps one cache per installed copy: two copies do not remove each other's", async () => {
    await tmp.write("worker.mjs", HELLO);
    const cacheHome = path.join(tmp.path, "cache-copies");
    const env = childEnv({ XDG_CACHE_HOME: cacheHome });
    // A second copy of the package (dist and package.json), resolving its dependencies through this one.
    const copy = path.join(tmp.path, "copy");
    await cp(path.join(PACKAGE, "dist"), path.join(copy, "dist"), { recursive: true });
    await cp(path.join(PACKAGE, "package.json"), path.join(copy, "package.json"));
    await symlink(path.join(PACKAGE, "node_modules"), path.join(copy, "node_modules"));

    for (const cli of [undefined, path.join(copy, "dist/cli.js")]) {
      const server = spawnCli(["worker.mjs", "--modules", "--port", "0"], { cwd: tmp.path, env, cli });
      expect(await (await fetch(await server.url())).text()).toBe("hello");
      process.kill(server.child.pid!, "SIGTERM");
      expect(await server.exited()).toEqual({ code: 0, signal: null });
    }
    expect(await cacheFiles(cacheHome)).toHaveLength(2);
  });

  it("is not written by a run that does not serve (--version)", async () => {
    const cacheHome = path.join(tmp.path, "cache-version");
    const result = await runCli(["--version"], { cwd: tmp.path, env: childEnv({ XDG_CACHE_HOME: cacheHome }) });
    expect(result.code).toBe(0);
    expect(await cacheFiles(cacheHome)).toEqual([]);
  });

  it("is off with FLARELET_NO_COMPILE_CACHE=1", async () => {
    await tmp.write("worker.mjs", HELLO);
    const cacheHome = path.join(tmp.path, "cache-off");
    const cli = spawnCli(["worker.mjs", "--modules", "--port", "0"], {
      cwd: tmp.path,
      env: childEnv({ XDG_CACHE_HOME: cacheHome, FLARELET_NO_COMPILE_CACHE: "1" }),
    });
    expect(await (await fetch(await cli.url())).text()).toBe("hello");
    process.kill(cli.child.pid!, "SIGTERM");
    expect(await cli.exited()).toEqual({ code: 0, signal: null });
    expect(await cacheFiles(cacheHome)).toEqual([]);
  });
});
