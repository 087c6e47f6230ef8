/**
 * The plugin interface (src/plugin.ts) and its runner (src/plugin-runner.ts): hook order and context,
 * global and binding conflicts, hook errors and plugin validation.
 */
import path from "node:path";
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  Compatibility,
  FlareletError,
  MiniflareCore,
  PluginError,
  definePlugin,
  type MiniflareCoreOptions,
  type Plugin,
  type PluginContext,
  type ReloadContext,
} from "@flarelet/core";
import { captureLog, rejectionOf, thrownBy, useCore, useTempDir } from "./helpers.js";

const cores = useCore();
const tmp = useTempDir();

const MODULE_WORKER = `globalThis.__calls?.push("script");
export default { fetch: () => new Response("ok") };`;

/** A plugin that records each hook call into `calls` as "name.hook". */
function recordingPlugin(name: string, calls: string[], extra: Partial<Plugin> = {}): Plugin {
  return {
    name,
    setup: async () => {
      await Promise.resolve(); // hooks are awaited: an async hook still finishes before the next starts
      calls.push(`${name}.setup`);
    },
    beforeReload: async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      calls.push(`${name}.beforeReload`);
    },
    reload: () => void calls.push(`${name}.reload`),
    dispose: async () => {
      await Promise.resolve();
      calls.push(`${name}.dispose`);
    },
    ...extra,
  };
}

function codeOf(error: unknown): string | undefined {
  return error instanceof FlareletError ? (error.code as string) : undefined;
}

describe("Plugin hooks: order", () => {
  it("runs setup, beforeReload, the script, then reload, plugin by plugin in registration order", async () => {
    const calls: string[] = [];
    const mf = cores.create({
      modules: true,
      script: MODULE_WORKER,
      globals: { __calls: calls },
      plugins: [recordingPlugin("first", calls), recordingPlugin("second", calls)],
    });
    await mf.dispatchFetch();
    expect(calls).toEqual([
      "first.setup",
      "second.setup",
      "first.beforeReload",
      "second.beforeReload",
      "script",
      "first.reload",
      "second.reload",
    ]);
  });

  it("repeats beforeReload, the script and reload (not setup) on reload()", async () => {
    const calls: string[] = [];
    const mf = cores.create({
      modules: true,
      script: MODULE_WORKER,
      globals: { __calls: calls },
      plugins: [recordingPlugin("first", calls), recordingPlugin("second", calls)],
    });
    await mf.dispatchFetch();
    calls.length = 0;
    await mf.reload();
    expect(calls).toEqual(["first.beforeReload", "second.beforeReload", "script", "first.reload", "second.reload"]);
  });

  it("runs setup again on setOptions()", async () => {
    const calls: string[] = [];
    const mf = cores.create({
      modules: true,
      script: MODULE_WORKER,
      globals: { __calls: calls },
      plugins: [recordingPlugin("first", calls), recordingPlugin("second", calls)],
    });
    await mf.dispatchFetch();
    calls.length = 0;
    await mf.setOptions({ bindings: { NEW: 1 } });
    expect(calls).toEqual([
      "first.setup",
      "second.setup",
      "first.beforeReload",
      "second.beforeReload",
      "script",
      "first.reload",
      "second.reload",
    ]);
  });

  it("runs dispose in reverse registration order, once", async () => {
    const calls: string[] = [];
    const mf = cores.create({
      modules: true,
      script: MODULE_WORKER,
      plugins: [recordingPlugin("first", calls), recordingPlugin("second", calls), recordingPlugin("third", calls)],
    });
    await mf.dispatchFetch();
    calls.length = 0;
    await mf.dispose();
    await mf.dispose();
    expect(calls).toEqual(["third.dispose", "second.dispose", "first.dispose"]);
  });

  it("runs every dispose even when one fails, then rejects with the first failure", async () => {
    const calls: string[] = [];
    const mf = cores.create({
      modules: true,
      script: MODULE_WORKER,
      plugins: [
        recordingPlugin("first", calls),
        recordingPlugin("second", calls, { dispose: () => { throw new Error("second failed"); } }),
        recordingPlugin("third", calls, { dispose: () => { throw new Error("third failed"); } }),
      ],
    });
    await mf.dispatchFetch();
    calls.length = 0;
    const error = (await rejectionOf(mf.dispose())) as PluginError;
    expect(calls).toEqual(["first.dispose"]);
    expect(error).toBeInstanceOf(PluginError);
    expect([error.plugin, error.hook]).toEqual(["third", "dispose"]);
  });

  it("does not run reload when the script failed to load", async () => {
    const calls: string[] = [];
    const mf = cores.create({
      modules: true,
      script: `throw new Error("top level");`,
      plugins: [recordingPlugin("only", calls)],
    });
    await rejectionOf(mf.dispatchFetch());
    expect(calls).toEqual(["only.setup", "only.beforeReload"]);
  });

  it("calls hooks with the plugin as this, so that methods work", async () => {
    const seen: unknown[] = [];
    const plugin = {
      name: "method",
      setup(this: unknown) {
        seen.push(this);
      },
    };
    const mf = cores.create({ modules: true, script: MODULE_WORKER, plugins: [plugin] });
    await mf.dispatchFetch();
    expect(seen).toEqual([plugin]);
    expect(seen[0]).toBe(plugin);
  });
});

describe("Plugin hooks: context", () => {
  it("gives every hook the instance's log, compatibility and resolved rootPath", async () => {
    const contexts: Record<string, PluginContext> = {};
    const record = (hook: string) => (ctx: PluginContext) => void (contexts[hook] = ctx);
    const { log } = captureLog();
    const mf = cores.create({
      log,
      modules: true,
      script: MODULE_WORKER,
      rootPath: path.join(tmp.path, "sub", ".."),
      compatibilityDate: "2026-03-20",
      plugins: [{ name: "ctx", setup: record("setup"), beforeReload: record("beforeReload"), reload: record("reload"), dispose: record("dispose") }],
    });
    await mf.dispatchFetch();
    await mf.dispose();
    expect(Object.keys(contexts)).toEqual(["setup", "beforeReload", "reload", "dispose"]);
    for (const ctx of Object.values(contexts)) {
      expect(ctx.name).toBe("ctx");
      // One log per plugin and instance (plugin-context.spec.ts shows what it writes).
      expect(ctx.log).toBe(contexts.setup!.log);
      expect(ctx.log).not.toBe(mf.log);
      expect(ctx.compatibility).toBeInstanceOf(Compatibility);
      expect(ctx.compatibility.date).toBe("2026-03-20");
      expect(ctx.compatibility.isEnabled("websocket_standard_binary_type")).toBe(true);
      expect(ctx.compatibility.isEnabled("web_socket_auto_reply_to_close")).toBe(false);
      expect(ctx.rootPath).toBe(tmp.path);
    }
  });

  it("gives beforeReload the new global scope before the script ran, and reload after", async () => {
    const observed: Record<string, unknown>[] = [];
    const scopes: Record<string, unknown>[] = [];
    const mf = cores.create({
      modules: true,
      script: `globalThis.ran = (globalThis.ran ?? 0) + 1;\nexport default { fetch: () => new Response("") };`,
      plugins: [
        {
          name: "observer",
          beforeReload: (ctx) => {
            scopes.push(ctx.globalScope);
            observed.push({ hook: "beforeReload", ran: ctx.globalScope.ran, initial: ctx.initial, hasFetch: typeof ctx.globalScope.fetch });
          },
          reload: (ctx) => {
            observed.push({ hook: "reload", ran: ctx.globalScope.ran, initial: ctx.initial, same: ctx.globalScope === scopes.at(-1) });
          },
        },
      ],
    });
    await mf.dispatchFetch();
    const firstScope = await mf.getGlobalScope();
    await mf.reload();
    expect(observed).toEqual([
      { hook: "beforeReload", ran: undefined, initial: true, hasFetch: "function" },
      { hook: "reload", ran: 1, initial: true, same: true },
      { hook: "beforeReload", ran: undefined, initial: false, hasFetch: "function" },
      { hook: "reload", ran: 1, initial: false, same: true },
    ]);
    expect(scopes[0]).toBe(firstScope);
    expect(scopes[1]).not.toBe(firstScope);
    expect(scopes[1]).toBe(await mf.getGlobalScope());
  });

  it("gives reload the entry module's exports (empty before the script ran and for a service worker)", async () => {
    const seen: string[][] = [];
    const observer = {
      name: "observer",
      beforeReload: (ctx: { exports: Readonly<Record<string, unknown>> }) => void seen.push(Object.keys(ctx.exports)),
      reload: (ctx: { exports: Readonly<Record<string, unknown>> }) => void seen.push(Object.keys(ctx.exports).sort()),
    };
    const mf = cores.create({
      modules: true,
      script: `export class Room {}\nexport default { fetch: () => new Response("") };`,
      plugins: [observer],
    });
    await mf.dispatchFetch();
    expect(seen).toEqual([[], ["Room", "default"]]);
    const sw = cores.create({ script: `addEventListener("fetch", (e) => e.respondWith(new Response("")));`, plugins: [observer] });
    await sw.dispatchFetch();
    expect(seen.slice(2)).toEqual([[], []]);
  });

  it("lets beforeReload define globals the script then sees", async () => {
    const mf = cores.create({
      modules: true,
      script: `const seen = globalThis.injected;\nexport default { fetch: () => new Response(seen) };`,
      plugins: [{ name: "injector", beforeReload: (ctx) => void (ctx.globalScope.injected = "from beforeReload") }],
    });
    expect(await (await mf.dispatchFetch()).text()).toBe("from beforeReload");
  });

  it("gives beforeReload and reload the bindings the worker receives", async () => {
    const seen: ReloadContext["bindings"][] = [];
    const mf = cores.create({
      modules: true,
      script: MODULE_WORKER,
      bindings: { USER: "user" },
      plugins: [
        { name: "provider", setup: () => ({ bindings: { PLUGIN: "plugin" } }) },
        { name: "observer", beforeReload: (ctx) => void seen.push(ctx.bindings), reload: (ctx) => void seen.push(ctx.bindings) },
      ],
    });
    await mf.dispatchFetch();
    expect(seen).toEqual([{ PLUGIN: "plugin", USER: "user" }, { PLUGIN: "plugin", USER: "user" }]);
  });
});

describe("Plugin setup: globals and bindings", () => {
  it("adds a plugin's globals to the global scope and its bindings to env", async () => {
    const mf = cores.create({
      modules: true,
      script: `export default { fetch: (request, env) => Response.json([typeof PluginClass, new PluginClass().kind, env.PLUGIN_BINDING, typeof PLUGIN_BINDING]) };`,
      plugins: [
        definePlugin({
          name: "provider",
          setup: () => ({ globals: { PluginClass: class { kind = "plugin class"; } }, bindings: { PLUGIN_BINDING: "bound" } }),
        }),
      ],
    });
    expect(await (await mf.dispatchFetch()).json()).toEqual(["function", "plugin class", "bound", "undefined"]);
  });

  it("adds a plugin's bindings as globals in the service-worker format", async () => {
    const mf = cores.create({
      script: `addEventListener("fetch", (event) => event.respondWith(new Response(PLUGIN_BINDING)));`,
      plugins: [{ name: "provider", setup: () => ({ bindings: { PLUGIN_BINDING: "global binding" } }) }],
    });
    expect(await (await mf.dispatchFetch()).text()).toBe("global binding");
  });

  it("fails with ERR_GLOBAL_CONFLICT naming both plugins when two contribute the same global", async () => {
    const mf = cores.create({
      modules: true,
      script: MODULE_WORKER,
      plugins: [
        { name: "alpha", setup: () => ({ globals: { Shared: 1 } }) },
        { name: "beta", setup: () => ({ globals: { Shared: 2 } }) },
      ],
    });
    const error = (await rejectionOf(mf.dispatchFetch())) as FlareletError;
    expect(error).toBeInstanceOf(FlareletError);
    expect(error.code).toBe("ERR_GLOBAL_CONFLICT");
    expect(error.message).toBe(
      'Plugins "alpha" and "beta" both contribute the global "Shared". If "beta" means to replace it, list it in its overrides: ["Shared"].',
    );
  });

  it("lets a later plugin replace a global it lists in overrides", async () => {
    const mf = cores.create({
      modules: true,
      script: `export default { fetch: () => new Response(String(Shared)) };`,
      plugins: [
        { name: "alpha", setup: () => ({ globals: { Shared: "alpha" } }) },
        { name: "beta", overrides: ["Shared"], setup: () => ({ globals: { Shared: "beta" } }) },
      ],
    });
    expect(await (await mf.dispatchFetch()).text()).toBe("beta");
  });

  it("does not let an override in the earlier plugin excuse the later one", async () => {
    const mf = cores.create({
      modules: true,
      script: MODULE_WORKER,
      plugins: [
        { name: "alpha", overrides: ["Shared"], setup: () => ({ globals: { Shared: "alpha" } }) },
        { name: "beta", setup: () => ({ globals: { Shared: "beta" } }) },
      ],
    });
    expect(codeOf(await rejectionOf(mf.dispatchFetch()))).toBe("ERR_GLOBAL_CONFLICT");
  });

  it('conflicts with "core" when a plugin contributes fetch without overriding it', async () => {
    const mf = cores.create({
      modules: true,
      script: MODULE_WORKER,
      plugins: [{ name: "upgrading-fetch", setup: () => ({ globals: { fetch: () => "mine" } }) }],
    });
    const error = (await rejectionOf(mf.dispatchFetch())) as FlareletError;
    expect(error.code).toBe("ERR_GLOBAL_CONFLICT");
    expect(error.message).toContain('Plugins "core" and "upgrading-fetch" both contribute the global "fetch".');
  });

  it("replaces core's fetch for a plugin that overrides it", async () => {
    const mf = cores.create({
      modules: true,
      script: `export default { fetch: async () => new Response(await fetch("http://example.com/")) };`,
      plugins: [
        {
          name: "upgrading-fetch",
          overrides: ["fetch"],
          setup: () => ({ globals: { fetch: async (url: string) => `replaced fetch: ${url}` } }),
        },
      ],
    });
    expect(await (await mf.dispatchFetch()).text()).toBe("replaced fetch: http://example.com/");
  });

  it('conflicts with "core" on the per-load globals (setTimeout, addEventListener, self…), even with overrides', async () => {
    for (const name of ["setTimeout", "addEventListener", "self"]) {
      const mf = cores.create({
        modules: true,
        script: MODULE_WORKER,
        plugins: [{ name: "timers", setup: () => ({ globals: { [name]: () => {} } }) }],
      });
      const error = (await rejectionOf(mf.dispatchFetch())) as FlareletError;
      expect(error.code).toBe("ERR_GLOBAL_CONFLICT");
      expect(error.message).toContain(`Plugins "core" and "timers" both contribute the global "${name}".`);
    }
  });

  it("fails with ERR_BINDING_CONFLICT when two plugins contribute the same binding", async () => {
    const mf = cores.create({
      modules: true,
      script: MODULE_WORKER,
      plugins: [
        { name: "kv-a", setup: () => ({ bindings: { STORE: 1 } }) },
        { name: "kv-b", setup: () => ({ bindings: { STORE: 2 } }) },
      ],
    });
    const error = (await rejectionOf(mf.dispatchFetch())) as FlareletError;
    expect(error.code).toBe("ERR_BINDING_CONFLICT");
    expect(error.message).toBe('Plugins "kv-a" and "kv-b" both contribute the binding "STORE".');
  });
});

describe("Plugin hooks: errors", () => {
  it.each(["setup", "beforeReload", "reload"] as const)(
    "wraps an error thrown by %s in a PluginError naming the plugin and the hook",
    async (hook) => {
      const cause = new TypeError(`${hook} broke`);
      const mf = cores.create({
        modules: true,
        script: MODULE_WORKER,
        plugins: [{ name: "fine" }, { name: "broken", [hook]: () => { throw cause; } }],
      });
      const error = (await rejectionOf(mf.dispatchFetch())) as PluginError;
      expect(error).toBeInstanceOf(PluginError);
      expect(error).toBeInstanceOf(FlareletError);
      expect(error.code).toBe("ERR_PLUGIN_HOOK");
      expect(error.plugin).toBe("broken");
      expect(error.hook).toBe(hook);
      expect(error.cause).toBe(cause);
      expect(error.message).toBe(`[plugin broken] ${hook}() failed: ${hook} broke`);
      expect(error.name).toBe("PluginError [ERR_PLUGIN_HOOK]");
    },
  );

  it("wraps a rejection from an async hook, and a thrown non-Error", async () => {
    const async = cores.create({
      modules: true,
      script: MODULE_WORKER,
      plugins: [{ name: "async", setup: async () => Promise.reject(new Error("rejected")) }],
    });
    const plain = cores.create({
      modules: true,
      script: MODULE_WORKER,
      plugins: [{ name: "plain", beforeReload: () => { throw "a string"; } }],
    });
    const asyncError = (await rejectionOf(async.dispatchFetch())) as PluginError;
    const plainError = (await rejectionOf(plain.dispatchFetch())) as PluginError;
    expect(asyncError.message).toBe("[plugin async] setup() failed: rejected");
    expect(plainError.message).toBe("[plugin plain] beforeReload() failed: a string");
    expect(plainError.cause).toBe("a string");
  });

  it("wraps an error thrown by dispose", async () => {
    const cause = new Error("dispose broke");
    const mf = cores.create({
      modules: true,
      script: MODULE_WORKER,
      plugins: [{ name: "leaky", dispose: () => { throw cause; } }],
    });
    await mf.dispatchFetch();
    const error = (await rejectionOf(mf.dispose())) as PluginError;
    expect([error.code, error.plugin, error.hook, error.cause]).toEqual(["ERR_PLUGIN_HOOK", "leaky", "dispose", cause]);
  });

  it.each(["beforeReload", "reload"] as const)(
    "keeps serving the previous version, without a reload event, when %s fails on reload()",
    async (hook) => {
      let fail = false;
      let version = 0;
      const events: unknown[] = [];
      const mf = cores.create({
        modules: true,
        script: `export default { fetch: () => new Response(String(VERSION)) };`,
        plugins: [
          { name: "versions", beforeReload: (ctx) => void (ctx.globalScope.VERSION = ++version) },
          { name: "flaky", [hook]: () => { if (fail) throw new Error("flaky"); } },
        ],
      });
      mf.addEventListener("reload", (event) => events.push(event));
      expect(await (await mf.dispatchFetch()).text()).toBe("1");
      fail = true;
      const error = (await rejectionOf(mf.reload())) as PluginError;
      expect([error.code, error.plugin, error.hook]).toEqual(["ERR_PLUGIN_HOOK", "flaky", hook]);
      expect(await (await mf.dispatchFetch()).text()).toBe("1");
      expect(events).toHaveLength(1);
      fail = false;
      await mf.reload();
      expect(await (await mf.dispatchFetch()).text()).toBe("3");
      expect(events).toHaveLength(2);
    },
  );
});

describe("Plugin validation", () => {
  const create = (plugins: unknown[]): (() => MiniflareCore) => () =>
    new MiniflareCore({ modules: true, script: MODULE_WORKER, plugins } as MiniflareCoreOptions);

  it.each([
    ["no name", [{}], "plugins[1] has no name; every plugin needs a unique name."],
    ["an empty name", [{ name: "" }], "plugins[1] has no name; every plugin needs a unique name."],
    ["a name that is not a string", [{ name: 1 }], "plugins[1] has no name; every plugin needs a unique name."],
    ["a duplicate name", [{ name: "twin" }, { name: "twin" }], 'Two plugins are named "twin"; plugin names must be unique.'],
    ['the name "core", which core itself uses', [{ name: "core" }], 'Two plugins are named "core"; plugin names must be unique.'],
    ["a non-object", [null], "plugins[1] is not a plugin object."],
    ["a hook that is not a function", [{ name: "bad", setup: "no" }], 'Plugin "bad": setup must be a function.'],
    ["overrides that are not strings", [{ name: "bad", overrides: "fetch" }], 'Plugin "bad": overrides must be an array of global names.'],
    [
      "a misspelled hook",
      [{ name: "typo", setpu() {} }],
      'Plugin "typo" has a method "setpu", which is not a hook (hooks: setup, beforeReload, reload, dispose); did you mean "setup"? Put what the plugin offers its users in `api`.',
    ],
    [
      "a hook the interface does not have",
      [{ name: "typo", reloaded() {} }],
      'Plugin "typo" has a method "reloaded", which is not a hook (hooks: setup, beforeReload, reload, dispose); did you mean "reload"? Put what the plugin offers its users in `api`.',
    ],
    [
      "a method of its own, on a class's prototype",
      [new (class { readonly name = "classy"; count() {} })()],
      'Plugin "classy" has a method "count", which is not a hook (hooks: setup, beforeReload, reload, dispose). Put what the plugin offers its users in `api`.',
    ],
  ])("refuses a plugin with %s (ERR_INVALID_PLUGIN)", (_, plugins, message) => {
    const error = thrownBy(create(plugins)) as FlareletError;
    expect(error).toBeInstanceOf(FlareletError);
    expect(error.code).toBe("ERR_INVALID_PLUGIN");
    expect(error.message).toBe(message);
  });
});

describe("definePlugin", () => {
  it("returns the very object it is given, with what it offers typed in api", () => {
    const plugin = { name: "typed", api: { count: 1 }, setup: () => ({ globals: { A: 1 } }) };
    const defined = definePlugin(plugin);
    expect(defined).toBe(plugin);
    expectTypeOf(defined).toMatchTypeOf<Plugin>();
    expectTypeOf(defined.api).toEqualTypeOf<{ count: number } | undefined>();
  });

  it("keeps excess-property checks: a misspelled hook does not compile", () => {
    // @ts-expect-error "setpu" is not a key of Plugin
    expect(definePlugin({ name: "typo", setpu() {} }).name).toBe("typo");
    // @ts-expect-error neither is "reloaded"
    expect(definePlugin({ name: "typo", reloaded() {} }).name).toBe("typo");
    // @ts-expect-error data of a plugin's own goes in api too
    expect(definePlugin({ name: "typo", extra: 1 }).name).toBe("typo");
  });

  it("allows data that is not a method beside the hooks, as first-party plugins keep read-only figures", () => {
    const plugin: Plugin & { readonly limit: number } = { name: "figures", limit: 5 };
    expect(() => new MiniflareCore({ modules: true, script: MODULE_WORKER, plugins: [plugin] }).dispose()).not.toThrow();
  });
});
