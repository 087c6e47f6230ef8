/**
 * `MiniflareCore` (src/core.ts, src/options.ts): both worker formats, bindings and globals, the scope
 * accessors, reload (with the `reload` event), setOptions, dispose and option validation.
 */
import path from "node:path";
import { writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_DISPATCH_URL,
  FlareletError,
  LogLevel,
  MiniflareCore,
  NoOpLog,
  ReloadEvent,
  Request,
  Response,
  definePlugin,
  type MiniflareCoreOptions,
} from "@flarelet/core";
import { captureLog, rejectionOf, thrownBy, useCore, useTempDir } from "./helpers.js";

const cores = useCore();
const tmp = useTempDir();

describe("MiniflareCore: service-worker format", () => {
  it("dispatches to the fetch listener's respondWith()", async () => {
    const mf = cores.create({
      script: `addEventListener("fetch", (event) => {
        event.respondWith(new Response("sw " + event.request.method + " " + new URL(event.request.url).pathname, { status: 201 }));
      });`,
    });
    const res = await mf.dispatchFetch("http://localhost/path", { method: "PUT" });
    expect(res.status).toBe(201);
    expect(await res.text()).toBe("sw PUT /path");
  });

  it("accepts a promise in respondWith()", async () => {
    const mf = cores.create({
      script: `addEventListener("fetch", (event) => {
        event.respondWith((async () => { await null; return new Response(await event.request.text()); })());
      });`,
    });
    const res = await mf.dispatchFetch("http://localhost/", { method: "POST", body: "echo" });
    expect(await res.text()).toBe("echo");
  });

  it("exposes bindings as globals", async () => {
    const mf = cores.create({
      bindings: { GREETING: "hello", LIMITS: { max: 3 } },
      script: `addEventListener("fetch", (event) => event.respondWith(Response.json([GREETING, LIMITS.max, typeof env])));`,
    });
    expect(await (await mf.dispatchFetch()).json()).toEqual(["hello", 3, "undefined"]);
  });

  it("uses the first listener that responds, in registration order", async () => {
    const mf = cores.create({
      script: `
        addEventListener("fetch", () => { globalThis.calls = ["first"]; });
        addEventListener("fetch", (event) => { calls.push("second"); event.respondWith(new Response(calls.join())); });
        addEventListener("fetch", () => { calls.push("third"); });`,
    });
    expect(await (await mf.dispatchFetch()).text()).toBe("first,second");
    const scope = await mf.getGlobalScope();
    expect(scope.calls).toEqual(["first", "second"]);
  });

  it("stops calling a listener once it was removed", async () => {
    const mf = cores.create({
      script: `
        const once = (event) => { removeEventListener("fetch", once); event.respondWith(new Response("once")); };
        addEventListener("fetch", once);
        addEventListener("fetch", (event) => event.respondWith(new Response("after")));`,
    });
    expect(await (await mf.dispatchFetch()).text()).toBe("once");
    expect(await (await mf.dispatchFetch()).text()).toBe("after");
  });

  it("accepts a listener object with handleEvent", async () => {
    const mf = cores.create({
      script: `addEventListener("fetch", { handleEvent(event) { event.respondWith(new Response("object listener")); } });`,
    });
    expect(await (await mf.dispatchFetch()).text()).toBe("object listener");
  });

  it("refuses respondWith() called after the listener returned", async () => {
    const mf = cores.create({
      script: `addEventListener("fetch", (event) => {
        event.respondWith(new Response("first"));
        Promise.resolve().then(() => {
          try { event.respondWith(new Response("late")); } catch (error) { globalThis.late = [error.name, error.message]; }
        });
      });`,
    });
    expect(await (await mf.dispatchFetch()).text()).toBe("first");
    expect((await mf.getGlobalScope()).late).toEqual([
      "InvalidStateError",
      "Too late to call FetchEvent.respondWith(). It must be called synchronously in the event handler.",
    ]);
  });

  it("refuses a second respondWith()", async () => {
    const mf = cores.create({
      script: `addEventListener("fetch", (event) => {
        event.respondWith(new Response("first"));
        try { event.respondWith(new Response("second")); } catch (error) { globalThis.second = error.name; }
      });`,
    });
    expect(await (await mf.dispatchFetch()).text()).toBe("first");
    expect((await mf.getGlobalScope()).second).toBe("InvalidStateError");
  });
});

describe("MiniflareCore: modules format", () => {
  it("calls the default export's fetch with request, env and ctx", async () => {
    const mf = cores.create({
      modules: true,
      bindings: { NAME: "binding value" },
      script: `export default {
        async fetch(request, env, ctx) {
          return Response.json({
            url: request.url,
            method: request.method,
            body: await request.text(),
            name: env.NAME,
            nameIsGlobal: typeof NAME !== "undefined",
            ctx: [typeof ctx.waitUntil, typeof ctx.passThroughOnException],
          });
        },
      };`,
    });
    const res = await mf.dispatchFetch("http://localhost:8787/some/path?q=1", { method: "POST", body: "payload" });
    expect(await res.json()).toEqual({
      url: "http://localhost:8787/some/path?q=1",
      method: "POST",
      body: "payload",
      name: "binding value",
      nameIsGlobal: false,
      ctx: ["function", "function"],
    });
  });

  it("gives env as an object of the worker's realm", async () => {
    const mf = cores.create({
      modules: true,
      bindings: { A: 1 },
      script: `export default { fetch: (request, env) => Response.json([env.constructor === Object, env instanceof Object, Object.keys(env)]) };`,
    });
    expect(await (await mf.dispatchFetch()).json()).toEqual([true, true, ["A"]]);
  });

  it("gives the handler a Workers Request, with cf when the caller passes one", async () => {
    const mf = cores.create({
      modules: true,
      script: `export default { fetch: (request) => Response.json([request instanceof Request, request.cf ?? null]) };`,
    });
    const res = await mf.dispatchFetch("http://localhost/", { cf: { country: "GB" } });
    expect(await res.json()).toEqual([true, { country: "GB" }]);
  });

  it("accepts a Request object as input", async () => {
    const mf = cores.create({
      modules: true,
      script: `export default { fetch: async (request) => new Response(request.method + " " + request.headers.get("x-test") + " " + await request.text()) };`,
    });
    const request = new Request("http://localhost/", { method: "PATCH", headers: { "x-test": "yes" }, body: "body" });
    expect(await (await mf.dispatchFetch(request)).text()).toBe("PATCH yes body");
  });

  it(`dispatches to ${DEFAULT_DISPATCH_URL} by default`, async () => {
    const mf = cores.create({ modules: true, script: `export default { fetch: (request) => new Response(request.url) };` });
    expect(await (await mf.dispatchFetch()).text()).toBe(DEFAULT_DISPATCH_URL);
    expect(DEFAULT_DISPATCH_URL).toBe("http://localhost:8787/");
  });

  it("returns a Workers Response, even for a response the worker got from elsewhere", async () => {
    const mf = cores.create({
      modules: true,
      script: `export default { fetch: async () => (await new Response("x")).clone() };`,
    });
    const res = await mf.dispatchFetch();
    expect(res).toBeInstanceOf(Response);
    expect(res.webSocket).toBeNull();
    expect(await res.text()).toBe("x");
  });

  it("has the global addEventListener, as workerd does, and warns when it is used for fetch", async () => {
    const { log, lines } = captureLog(LogLevel.WARN);
    const mf = cores.create({
      modules: true,
      log,
      script: `
        addEventListener("fetch", (event) => event.respondWith(new Response("from the listener")));
        addEventListener("unhandledrejection", () => {});
        export default { fetch: () => new Response("from the export: " + typeof addEventListener) };`,
    });
    // The export answers; the "fetch" listener is only warned about (api/basics.c++, isSpecialEventType).
    expect(await (await mf.dispatchFetch()).text()).toBe("from the export: function");
    expect(lines).toEqual([
      "[flarelet:wrn] When using module syntax, the 'fetch' event handler should be declared as an exported " +
        "function on the root module as opposed to using the global addEventListener().",
    ]);
  });
});

describe("MiniflareCore: bindings and globals", () => {
  it("adds the globals option to the global scope in both formats", async () => {
    const sw = cores.create({
      globals: { EXTRA: "sw" },
      script: `addEventListener("fetch", (event) => event.respondWith(new Response(EXTRA)));`,
    });
    const modules = cores.create({
      modules: true,
      globals: { EXTRA: "modules" },
      script: `export default { fetch: () => new Response(EXTRA) };`,
    });
    expect(await (await sw.dispatchFetch()).text()).toBe("sw");
    expect(await (await modules.dispatchFetch()).text()).toBe("modules");
  });

  it("lets the globals option win over a plugin's global and over core's", async () => {
    const plugin = definePlugin({ name: "extra", setup: () => ({ globals: { SHARED: "plugin" } }) });
    const mf = cores.create({
      modules: true,
      plugins: [plugin],
      globals: { SHARED: "user", navigator: { userAgent: "user agent" } },
      script: `export default { fetch: () => Response.json([SHARED, navigator.userAgent]) };`,
    });
    expect(await (await mf.dispatchFetch()).json()).toEqual(["user", "user agent"]);
  });

  it("lets the bindings option win over a plugin's binding", async () => {
    const plugin = definePlugin({ name: "kv", setup: () => ({ bindings: { STORE: "plugin", ONLY_PLUGIN: "plugin" } }) });
    const mf = cores.create({
      modules: true,
      plugins: [plugin],
      bindings: { STORE: "user" },
      script: `export default { fetch: (request, env) => Response.json([env.STORE, env.ONLY_PLUGIN]) };`,
    });
    expect(await (await mf.dispatchFetch()).json()).toEqual(["user", "plugin"]);
    expect(await mf.getBindings()).toMatchObject({ STORE: "user", ONLY_PLUGIN: "plugin" });
  });

  it("getGlobalScope() returns the worker's globalThis", async () => {
    const mf = cores.create({
      modules: true,
      globals: { FROM_OPTION: 1 },
      script: `globalThis.fromWorker = "set by the worker";
        export default { fetch: () => { globalThis.requests = (globalThis.requests ?? 0) + 1; return new Response(""); } };`,
    });
    await mf.dispatchFetch();
    const scope = await mf.getGlobalScope();
    expect(scope.fromWorker).toBe("set by the worker");
    expect(scope.requests).toBe(1);
    expect(scope.FROM_OPTION).toBe(1);
    expect(scope.self).toBe(scope);
    expect(typeof scope.fetch).toBe("function");
  });

  it("getBindings() returns the env the handler receives", async () => {
    const mf = cores.create({
      modules: true,
      bindings: { A: "a" },
      script: `export default { fetch: (request, env) => { env.seen = true; return new Response(""); } };`,
    });
    await mf.dispatchFetch();
    const bindings = await mf.getBindings();
    expect(bindings).toEqual({ A: "a", seen: true });
  });

  it("getBindings() in service-worker format has the bindings that are globals", async () => {
    const mf = cores.create({
      bindings: { A: "a" },
      script: `addEventListener("fetch", (event) => event.respondWith(new Response(A)));`,
    });
    expect(await mf.getBindings()).toEqual({ A: "a" });
    expect((await mf.getGlobalScope()).A).toBe("a");
  });

  it("makes globals writable and configurable but not enumerable, like the runtime's", async () => {
    const mf = cores.create({
      modules: true,
      globals: { EXTRA: 1 },
      script: `export default { fetch: () => {
        const descriptor = Object.getOwnPropertyDescriptor(globalThis, "EXTRA");
        return Response.json([descriptor.writable, descriptor.configurable, descriptor.enumerable, Object.keys(globalThis).includes("fetch")]);
      } };`,
    });
    expect(await (await mf.dispatchFetch()).json()).toEqual([true, true, false, false]);
  });
});

describe("MiniflareCore#reload", () => {
  it("picks up a changed file, and fires reload events with initial and files", async () => {
    const worker = await tmp.write("src/worker.mjs", `import { version } from "./version.mjs";\nexport default { fetch: () => new Response(version) };`);
    const version = await tmp.write("src/version.mjs", `export const version = "v1";`);
    const events: ReloadEvent[] = [];
    const mf = cores.create({ modules: true, rootPath: tmp.path, scriptPath: "src/worker.mjs" });
    mf.addEventListener("reload", (event) => events.push(event as ReloadEvent));

    expect(await (await mf.dispatchFetch()).text()).toBe("v1");
    await writeFile(version, `export const version = "v2";`);
    await mf.reload();
    expect(await (await mf.dispatchFetch()).text()).toBe("v2");

    expect(events).toHaveLength(2);
    expect(events.every((event) => event instanceof ReloadEvent)).toBe(true);
    expect(events.map((event) => event.initial)).toEqual([true, false]);
    expect(events.map((event) => event.format)).toEqual(["modules", "modules"]);
    expect([...events[1]!.files].sort()).toEqual([version, worker].sort());
  });

  it("lists the service-worker script as the only file", async () => {
    const script = await tmp.write("worker.js", `addEventListener("fetch", (event) => event.respondWith(new Response("sw")));`);
    const events: ReloadEvent[] = [];
    const mf = cores.create({ rootPath: tmp.path, scriptPath: "worker.js" });
    mf.addEventListener("reload", (event) => events.push(event as ReloadEvent));
    await mf.dispatchFetch();
    expect(events.map((event) => [event.initial, event.format, event.files])).toEqual([[true, "service-worker", [script]]]);
  });

  it("runs the script in a fresh global scope", async () => {
    const mf = cores.create({
      modules: true,
      script: `globalThis.counter = (globalThis.counter ?? 0) + 1;
        export default { fetch: () => new Response(String(globalThis.counter)) };`,
    });
    const first = await mf.getGlobalScope();
    await mf.reload();
    const second = await mf.getGlobalScope();
    expect(second).not.toBe(first);
    expect(await (await mf.dispatchFetch()).text()).toBe("1");
  });

  it("rejects on a syntax error and keeps serving the previous version", async () => {
    const file = await tmp.write("worker.mjs", `export default { fetch: () => new Response("good") };`);
    const events: ReloadEvent[] = [];
    const mf = cores.create({ modules: true, rootPath: tmp.path, scriptPath: "worker.mjs" });
    mf.addEventListener("reload", (event) => events.push(event as ReloadEvent));
    expect(await (await mf.dispatchFetch()).text()).toBe("good");

    await writeFile(file, `export default { fetch: () => new Response("bad" };`);
    const error = (await rejectionOf(mf.reload())) as FlareletError;
    expect(error).toBeInstanceOf(FlareletError);
    expect(error.code).toBe("ERR_SCRIPT_SYNTAX");
    expect(await (await mf.dispatchFetch()).text()).toBe("good");
    expect(events).toHaveLength(1);

    await writeFile(file, `export default { fetch: () => new Response("fixed") };`);
    await mf.reload();
    expect(await (await mf.dispatchFetch()).text()).toBe("fixed");
  });

  it("runs loads one after another, so that the last reload wins", async () => {
    const file = await tmp.write("worker.mjs", `export default { fetch: () => new Response("v0") };`);
    const mf = cores.create({ modules: true, rootPath: tmp.path, scriptPath: "worker.mjs" });
    await writeFile(file, `export default { fetch: () => new Response("v1") };`);
    const first = mf.reload();
    const second = mf.reload();
    await Promise.all([first, second]);
    expect(await (await mf.dispatchFetch()).text()).toBe("v1");
  });
});

describe("MiniflareCore: requests in flight when the load ends", () => {
  /**
   * A worker whose handler tells the test it started, then waits on a timer that the load's end cancels:
   * without the rejection, the request would never be answered.
   */
  function slowWorker(): { mf: MiniflareCore; handlerEntered: Promise<void> } {
    let entered!: () => void;
    const handlerEntered = new Promise<void>((resolve) => (entered = resolve));
    const mf = cores.create({
      modules: true,
      bindings: { ENTERED: () => entered() },
      script: `export default { async fetch(request, env) { env.ENTERED(); await scheduler.wait(60_000); return new Response("late"); } };`,
    });
    return { mf, handlerEntered };
  }

  it("a reload fails them with ERR_RELOADED, and the new version answers the next one", async () => {
    const { mf, handlerEntered } = slowWorker();
    const inFlight = rejectionOf(mf.dispatchFetch());
    await handlerEntered;
    await mf.setOptions({ script: `export default { fetch: () => new Response("new version") };` });
    const error = (await inFlight) as FlareletError;
    expect(error).toBeInstanceOf(FlareletError);
    expect([error.code, error.message]).toEqual([
      "ERR_RELOADED",
      "The worker was reloaded while this request was in flight; the version handling it is gone.",
    ]);
    expect(await (await mf.dispatchFetch()).text()).toBe("new version");
  });

  it("dispose() fails them with ERR_DISPOSED", async () => {
    const { mf, handlerEntered } = slowWorker();
    const inFlight = rejectionOf(mf.dispatchFetch());
    await handlerEntered;
    await mf.dispose();
    expect(await inFlight).toMatchObject({
      code: "ERR_DISPOSED",
      message: "This MiniflareCore instance was disposed while this request was in flight.",
    });
  });

  it("a reload that fails leaves them running on the version that keeps serving", async () => {
    const mf = cores.create({
      modules: true,
      script: `export default { async fetch() { await scheduler.wait(30); return new Response("kept"); } };`,
    });
    await mf.getGlobalScope();
    const inFlight = mf.dispatchFetch();
    await rejectionOf(mf.setOptions({ script: "export default {" }));
    expect(await (await inFlight).text()).toBe("kept");
  });
});

describe("MiniflareCore#setOptions", () => {
  it("merges new options and reloads", async () => {
    const mf = cores.create({
      modules: true,
      bindings: { WHO: "first" },
      script: `export default { fetch: (request, env) => new Response(env.WHO) };`,
    });
    expect(await (await mf.dispatchFetch()).text()).toBe("first");
    await mf.setOptions({ bindings: { WHO: "second" } });
    expect(await (await mf.dispatchFetch()).text()).toBe("second");
  });

  it("can switch the worker's format", async () => {
    const mf = cores.create({ script: `addEventListener("fetch", (event) => event.respondWith(new Response("sw")));` });
    expect(await (await mf.dispatchFetch()).text()).toBe("sw");
    await mf.setOptions({ modules: true, script: `export default { fetch: () => new Response("modules") };` });
    expect(await (await mf.dispatchFetch()).text()).toBe("modules");
  });

  it("refuses plugins and log", async () => {
    const mf = cores.create({ modules: true, script: `export default { fetch: () => new Response("") };` });
    for (const options of [{ plugins: [] }, { log: new NoOpLog() }]) {
      const error = (await rejectionOf(mf.setOptions(options as MiniflareCoreOptions))) as FlareletError;
      expect(error.code).toBe("ERR_INVALID_OPTION");
      expect(error.message).toBe("plugins and log are fixed for the life of an instance.");
    }
  });
});

describe("MiniflareCore#dispose", () => {
  it("makes dispatchFetch, reload, setOptions and the accessors fail with ERR_DISPOSED", async () => {
    const mf = cores.create({ modules: true, script: `export default { fetch: () => new Response("") };` });
    await mf.dispatchFetch();
    await mf.dispose();
    const failures = [
      await rejectionOf(mf.dispatchFetch()),
      await rejectionOf(mf.reload()),
      await rejectionOf(mf.setOptions({})),
      await rejectionOf(mf.getGlobalScope()),
      await rejectionOf(mf.getBindings()),
    ] as FlareletError[];
    for (const error of failures) {
      expect(error).toBeInstanceOf(FlareletError);
      expect(error.code).toBe("ERR_DISPOSED");
      expect(error.message).toBe("This MiniflareCore instance was disposed; create a new one.");
    }
  });

  it("is idempotent", async () => {
    let disposals = 0;
    const mf = cores.create({
      modules: true,
      plugins: [{ name: "counting", dispose: () => void disposals++ }],
      script: `export default { fetch: () => new Response("") };`,
    });
    await Promise.all([mf.dispose(), mf.dispose()]);
    await mf.dispose();
    expect(disposals).toBe(1);
  });

  it("fails a request that was waiting for the load", async () => {
    // A plugin whose hook takes a while keeps the load going.
    const slowHook = definePlugin({ name: "slow", beforeReload: () => new Promise<void>((resolve) => setTimeout(resolve, 20)) });
    const mf = cores.create({ modules: true, plugins: [slowHook], script: `export default { fetch: () => new Response("") };` });
    const pending = mf.dispatchFetch();
    await mf.dispose();
    expect(((await rejectionOf(pending)) as FlareletError).code).toBe("ERR_DISPOSED");
  });
});

describe("MiniflareCore#plugins", () => {
  it("lists core's own plugin first, then the given plugins in registration order", () => {
    const first = definePlugin({ name: "first" });
    const second = definePlugin({ name: "second" });
    const mf = cores.create({ modules: true, script: `export default { fetch: () => new Response("") };`, plugins: [first, second] });
    expect(mf.plugins.map((plugin) => plugin.name)).toEqual(["core", "first", "second"]);
    expect(mf.plugins[1]).toBe(first);
    expect(mf.plugins[2]).toBe(second);
  });
});

describe("MiniflareCore options", () => {
  it("resolves scriptPath against rootPath", async () => {
    await tmp.write("nested/folder/worker.mjs", `export default { fetch: () => new Response(import.meta.url) };`);
    const mf = cores.create({ modules: true, rootPath: path.join(tmp.path, "nested"), scriptPath: "folder/worker.mjs" });
    expect(await (await mf.dispatchFetch()).text()).toBe(`file://${path.join(tmp.path, "nested/folder/worker.mjs")}`);
  });

  it("names the scriptPath in stack traces when script is given too", async () => {
    const mf = cores.create({
      modules: true,
      rootPath: tmp.path,
      scriptPath: "named.mjs",
      script: `export default {\n  fetch() {\n    throw new Error("here");\n  },\n};`,
    });
    const error = (await rejectionOf(mf.dispatchFetch())) as Error;
    expect(error.stack).toContain(`${path.join(tmp.path, "named.mjs")}:3:`);
  });

  it("refuses an unknown option with ERR_INVALID_OPTION naming it", () => {
    const error = thrownBy(() => new MiniflareCore({ script: "", scirpt: "" } as MiniflareCoreOptions)) as FlareletError;
    expect(error).toBeInstanceOf(FlareletError);
    expect(error.code).toBe("ERR_INVALID_OPTION");
    expect(error.message).toMatch(/^Unknown option "scirpt"\. Known options: script, scriptPath, /);
  });

  it.each([
    ["script", 1, 'Option "script" must be string, got number.'],
    ["modules", "yes", 'Option "modules" must be boolean, got string.'],
    ["bindings", [], 'Option "bindings" must be an object, got an array.'],
    ["globals", null, 'Option "globals" must be an object, got null.'],
    ["compatibilityFlags", ["ok", 1], 'Option "compatibilityFlags" must be an array of strings, got an array.'],
    ["plugins", {}, 'Option "plugins" must be an array of plugins, got object.'],
    ["log", { info() {} }, 'Option "log" must be a Log, got object.'],
    ["modulesRules", [{ type: "Text" }], 'Option "modulesRules" must be an array of { type, include }, got an array.'],
  ])("refuses %s: %j with ERR_INVALID_OPTION", (key, value, message) => {
    const error = thrownBy(() => new MiniflareCore({ [key]: value } as MiniflareCoreOptions)) as FlareletError;
    expect(error.code).toBe("ERR_INVALID_OPTION");
    expect(error.message).toBe(message);
  });

  it("refuses an unknown module rule type with ERR_MODULE_RULE", async () => {
    const mf = cores.create({
      modules: true,
      script: `export default { fetch: () => new Response("") };`,
      modulesRules: [{ type: "Json" as "Text", include: ["**/*.json"] }],
    });
    const error = (await rejectionOf(mf.dispatchFetch())) as FlareletError;
    expect(error.code).toBe("ERR_MODULE_RULE");
    expect(error.message).toBe('Unknown module rule type "Json"; expected one of ESModule, CommonJS, Text, Data, CompiledWasm.');
  });
});
