/**
 * The "Writing a plugin" example of packages/core/README.md. Its code is test/fixtures/readme-plugin.ts,
 * character for character (the first test fails when the two drift), and the rest of this file uses it as a
 * third-party plugin would.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FlareletError, LogLevel, PluginError } from "@flarelet/core";
import { MemoryKVNamespace, kvMemoryPlugin } from "./fixtures/readme-plugin.js";
import { captureLog, readmeBlock, rejectionOf, useCore } from "./helpers.js";

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures/readme-plugin.ts");
const cores = useCore();

/** The README's own usage example, as a worker. */
const COUNTER = `export default {
  async fetch(request, env) {
    const count = Number(await env.KV.get("count") ?? 0) + 1;
    await env.KV.put("count", String(count));
    return new Response("visit " + count);
  },
};`;

async function text(response: Promise<Response>): Promise<string> {
  return (await response).text();
}

describe("README: Writing a plugin", () => {
  it("shows exactly the code of test/fixtures/readme-plugin.ts", async () => {
    expect(await readmeBlock("readme-plugin")).toBe(await readFile(FIXTURE, "utf8"));
  });

  it("gives a modules worker the namespaces as env bindings that keep data between requests", async () => {
    const mf = cores.create({ modules: true, script: COUNTER, plugins: [kvMemoryPlugin({ namespaces: ["KV", "CACHE"] })] });
    expect(await text(mf.dispatchFetch())).toBe("visit 1");
    expect(await text(mf.dispatchFetch())).toBe("visit 2");
    const bindings = await mf.getBindings();
    expect(Object.keys(bindings).sort()).toEqual(["CACHE", "KV"]);
    expect(bindings.KV).toBeInstanceOf(MemoryKVNamespace);
    expect(bindings.CACHE).not.toBe(bindings.KV);
    expect(await (bindings.KV as MemoryKVNamespace).get("count")).toBe("2");
  });

  it("gives the worker MemoryKVNamespace as a global, and get/put/delete", async () => {
    const mf = cores.create({
      modules: true,
      plugins: [kvMemoryPlugin()],
      script: `export default { async fetch(request, env) {
        await env.KV.put("a", "1");
        const before = await env.KV.get("a");
        await env.KV.delete("a");
        return Response.json([env.KV instanceof MemoryKVNamespace, before, await env.KV.get("a"), await env.KV.get("missing")]);
      } };`,
    });
    expect(await (await mf.dispatchFetch()).json()).toEqual([true, "1", null, null]);
  });

  it("gives a service worker the namespace as a global binding", async () => {
    const mf = cores.create({
      plugins: [kvMemoryPlugin()],
      script: `addEventListener("fetch", (event) => event.respondWith((async () => {
        await KV.put("sw", "stored");
        return new Response(await KV.get("sw"));
      })()));`,
    });
    expect(await text(mf.dispatchFetch())).toBe("stored");
  });

  it("keeps data across reload() and setOptions() by default", async () => {
    const mf = cores.create({ modules: true, script: COUNTER, plugins: [kvMemoryPlugin()] });
    expect(await text(mf.dispatchFetch())).toBe("visit 1");
    await mf.reload();
    expect(await text(mf.dispatchFetch())).toBe("visit 2");
    await mf.setOptions({ bindings: { UNRELATED: 1 } });
    expect(await text(mf.dispatchFetch())).toBe("visit 3");
  });

  it("clears data in beforeReload with clearOnReload, but not on the first load", async () => {
    const mf = cores.create({ modules: true, script: COUNTER, plugins: [kvMemoryPlugin({ clearOnReload: true })] });
    expect(await text(mf.dispatchFetch())).toBe("visit 1");
    expect(await text(mf.dispatchFetch())).toBe("visit 2");
    await mf.reload();
    expect(await text(mf.dispatchFetch())).toBe("visit 1");
  });

  it("logs from setup and reload through ctx.log, which marks its lines with the plugin name", async () => {
    const { log, lines } = captureLog(LogLevel.DEBUG);
    const mf = cores.create({ log, modules: true, script: COUNTER, plugins: [kvMemoryPlugin({ namespaces: ["KV", "B"] })] });
    await mf.dispatchFetch();
    await mf.reload();
    expect(lines).toEqual([
      "[flarelet:dbg] [kv-memory] namespaces: KV, B",
      "[flarelet:dbg] [kv-memory] worker loaded; 0 key(s) stored",
      "[flarelet:dbg] [kv-memory] worker reloaded; 1 key(s) stored",
    ]);
  });

  it("empties every namespace on dispose()", async () => {
    const mf = cores.create({ modules: true, script: COUNTER, plugins: [kvMemoryPlugin()] });
    await mf.dispatchFetch();
    const kv = (await mf.getBindings()).KV as MemoryKVNamespace;
    expect(kv.size).toBe(1);
    await mf.dispose();
    expect(kv.size).toBe(0);
  });

  it("conflicts with another plugin contributing MemoryKVNamespace", async () => {
    const mf = cores.create({
      modules: true,
      script: COUNTER,
      plugins: [kvMemoryPlugin(), { name: "other-kv", setup: () => ({ globals: { MemoryKVNamespace: class {} } }) }],
    });
    const error = (await rejectionOf(mf.dispatchFetch())) as FlareletError;
    expect(error.code).toBe("ERR_GLOBAL_CONFLICT");
    expect(error.message).toContain('Plugins "kv-memory" and "other-kv"');
  });

  it("cannot be registered twice on one instance (its name is fixed)", async () => {
    const error = await rejectionOf(
      (async () => cores.create({ modules: true, script: COUNTER, plugins: [kvMemoryPlugin(), kvMemoryPlugin()] }))(),
    );
    expect((error as FlareletError).code).toBe("ERR_INVALID_PLUGIN");
    expect(error).not.toBeInstanceOf(PluginError);
  });
});
