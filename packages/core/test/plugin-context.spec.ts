/**
 * What a plugin's context offers (src/plugin-context.ts, src/worker-realm.ts), member by member, each
 * checked through a real worker: the checks that depend on the realm run inside it.
 */
import { describe, expect, it } from "vitest";
import {
  FlareletError,
  Log,
  LogLevel,
  PluginError,
  type Plugin,
  type PluginContext,
  type SetupContext,
} from "@flarelet/core";
import { captureLog, jsonWorker, rejectionOf, useCore, waitFor } from "./helpers.js";

const cores = useCore();

/** A plugin that keeps its context from setup, for the test to use. */
function keepingContext(extra: Partial<Plugin> = {}): { plugin: Plugin; context: () => PluginContext } {
  let kept: PluginContext | undefined;
  return {
    plugin: {
      name: "keeper",
      setup: (ctx) => {
        kept = ctx;
      },
      ...extra,
    },
    context: () => kept!,
  };
}

describe("ctx.log", () => {
  it("writes the instance's lines marked with the plugin's name, at the instance's level", async () => {
    const { log, lines } = captureLog(LogLevel.INFO);
    const mf = cores.create({
      log,
      modules: true,
      script: jsonWorker("return 1;"),
      plugins: [
        {
          name: "cron",
          setup(ctx) {
            ctx.log.info("scheduled 2 triggers");
            ctx.log.debug("not shown at INFO");
            ctx.log.error(new RangeError("bad schedule"));
          },
        },
      ],
    });
    await mf.dispatchFetch();
    expect(lines[0]).toBe("[flarelet:inf] [cron] scheduled 2 triggers");
    expect(lines[1]).toMatch(/^\[flarelet:err\] \[cron\] RangeError: bad schedule\n\s+at /);
    expect(lines).toHaveLength(2);
  });

  it("is a Log, so that code written for the instance's log takes it", async () => {
    const { plugin, context } = keepingContext();
    const mf = cores.create({ modules: true, script: jsonWorker("return 1;"), plugins: [plugin] });
    await mf.dispatchFetch();
    expect(context().log).toBeInstanceOf(Log);
    expect(context().name).toBe("keeper");
  });
});

describe("ctx.realm", () => {
  it("adopts Node's Response and Request as the Workers classes the worker sees", async () => {
    const { plugin, context } = keepingContext();
    const bindings = {
      adopted: () => context().realm.response(new globalThis.Response("hello")),
      raw: () => new globalThis.Response("hello"),
      request: () => context().realm.request(new globalThis.Request("http://example.com/")),
    };
    const mf = cores.create({
      modules: true,
      plugins: [plugin],
      bindings,
      script: jsonWorker(`
        const adopted = env.adopted();
        return {
          adopted: adopted instanceof Response,
          webSocket: adopted.webSocket,
          text: await adopted.text(),
          raw: env.raw() instanceof Response,
          request: env.request() instanceof Request,
          cf: env.request().cf ?? "none",
        };
      `),
    });
    expect(await (await mf.dispatchFetch()).json()).toEqual({
      adopted: true,
      webSocket: null,
      text: "hello",
      raw: false,
      request: true,
      cf: "none",
    });
  });

  it("makes a promise the worker's: a floating rejection is logged as the worker's, not the host's", async () => {
    const { log, lines } = captureLog(LogLevel.ERROR);
    const { plugin, context } = keepingContext();
    const mf = cores.create({
      log,
      modules: true,
      plugins: [plugin],
      bindings: { fails: () => context().realm.promise(Promise.reject(new TypeError("binding failed"))) },
      script: jsonWorker(`
        const promise = env.fails();
        return { realm: Object.getPrototypeOf(promise) === Promise.prototype };
      `),
    });
    expect(await (await mf.dispatchFetch()).json()).toEqual({ realm: true });
    await waitFor(() => lines.length > 0);
    expect(lines[0]).toMatch(/^\[flarelet:err\] Uncaught \(in promise\) TypeError: binding failed/);
  });

  it("marks an error made for the worker as its own, for a host promise the worker leaves floating", async () => {
    const { log, lines } = captureLog(LogLevel.ERROR);
    const { plugin, context } = keepingContext();
    const mf = cores.create({
      log,
      modules: true,
      plugins: [plugin],
      // A host promise (not the realm's) rejected with an error made on the worker's behalf.
      bindings: { cancelled: () => void Promise.reject(context().realm.error(new Error("cancelled for the worker"))) },
      script: jsonWorker("env.cancelled(); return true;"),
    });
    expect(await (await mf.dispatchFetch()).json()).toBe(true);
    await waitFor(() => lines.length > 0);
    expect(lines[0]).toMatch(/^\[flarelet:err\] Uncaught \(in promise\) Error: cancelled for the worker/);
  });

  it("gives a signal's abort listeners workerd's handling: an exception is reported, not thrown into Node", async () => {
    const { plugin, context } = keepingContext();
    const controller = new AbortController();
    const reported: unknown[] = [];
    const mf = cores.create({
      modules: true,
      plugins: [plugin],
      bindings: { signal: () => context().realm.signal(controller.signal, (error) => reported.push(error)) },
      script: jsonWorker(`
        env.signal().addEventListener("abort", () => { throw new RangeError("listener failed"); });
        return true;
      `),
    });
    await mf.dispatchFetch();
    controller.abort();
    expect(reported).toHaveLength(1);
    expect((reported[0] as Error).message).toBe("listener failed");
  });

  it("is the instance's, also for code that serves it (mf.realm), and follows the current load", async () => {
    const { plugin, context } = keepingContext();
    const mf = cores.create({ modules: true, plugins: [plugin], script: jsonWorker("return 1;") });
    await mf.dispatchFetch();
    expect(context().realm).toBe(mf.realm);
    const before = Object.getPrototypeOf(mf.realm.promise(1));
    await mf.reload();
    const after = Object.getPrototypeOf(mf.realm.promise(1));
    expect(after).not.toBe(before);
    expect(after).toBe(((await mf.getGlobalScope()).Promise as PromiseConstructor).prototype);
  });
});

describe("ctx.dispatchFetch", () => {
  it("lets a plugin send the worker requests of its own, from a timer (a cron-style plugin)", async () => {
    const ticks: string[] = [];
    const mf = cores.create({
      modules: true,
      bindings: { record: (text: string) => void ticks.push(text) },
      script: `export default { fetch(request, env) { env.record(new URL(request.url).pathname); return new Response("ok"); } };`,
      plugins: [
        {
          name: "cron",
          reload(ctx) {
            // Not from the hook itself (the load is still in progress): later, as a timer would.
            setTimeout(() => void ctx.dispatchFetch("http://localhost/__scheduled").then((res) => res.text()), 0);
          },
        },
      ],
    });
    await mf.getGlobalScope();
    await waitFor(() => ticks.length > 0);
    expect(ticks).toEqual(["/__scheduled"]);
  });
});

describe("ctx.options", () => {
  it("makes ERR_INVALID_OPTION errors that name the plugin", async () => {
    const mf = cores.create({
      modules: true,
      script: jsonWorker("return 1;"),
      plugins: [{ name: "queue", setup: (ctx) => void ctx.options.integer("batchSize", 0, 1, 100) }],
    });
    const error = (await rejectionOf(mf.dispatchFetch())) as PluginError;
    expect(error).toBeInstanceOf(PluginError);
    const cause = error.cause as FlareletError;
    expect(cause.code).toBe("ERR_INVALID_OPTION");
    expect(cause.message).toBe("[plugin queue] batchSize must be an integer from 1 to 100, got 0.");
  });
});

describe("ctx.previous (setup)", () => {
  /** A plugin that overrides fetch with one that tags what the previous fetch answered. */
  function tagging(name: string): Plugin {
    return {
      name,
      overrides: ["fetch"],
      setup(ctx: SetupContext) {
        const previous = ctx.previous("fetch") as (input: string) => Promise<string>;
        return { globals: { fetch: async (input: string) => `${name}(${await previous(input)})` } };
      },
    };
  }

  it("gives an override the value it replaces, so that two overrides of fetch chain instead of the last one winning", async () => {
    const base: Plugin = { name: "base", overrides: ["fetch"], setup: () => ({ globals: { fetch: async (input: string) => `fetched ${input}` } }) };
    const mf = cores.create({
      modules: true,
      plugins: [base, tagging("first"), tagging("second")],
      script: jsonWorker(`return await fetch("x");`),
    });
    expect(await (await mf.dispatchFetch()).json()).toBe("second(first(fetched x))");
  });

  it("is core's own value when no plugin gave one before", async () => {
    let previous: unknown;
    const mf = cores.create({
      modules: true,
      plugins: [{ name: "peek", overrides: ["fetch"], setup: (ctx) => void (previous = ctx.previous("fetch")) }],
      script: jsonWorker("return 1;"),
    });
    await mf.dispatchFetch();
    const { fetch } = await import("@flarelet/core");
    expect(previous).toBe(fetch);
  });

  it("is refused for a global the plugin does not override", async () => {
    const mf = cores.create({
      modules: true,
      plugins: [{ name: "nosy", setup: (ctx) => void ctx.previous("fetch") }],
      script: jsonWorker("return 1;"),
    });
    const error = (await rejectionOf(mf.dispatchFetch())) as PluginError;
    expect((error.cause as FlareletError).message).toBe(
      'Plugin "nosy": previous("fetch") is for the globals a plugin overrides; add "fetch" to its overrides.',
    );
  });
});

describe("mf.compatibility", () => {
  it("is the compatibility of the options in effect, once the first load has begun", async () => {
    const mf = cores.create({ modules: true, script: jsonWorker("return 1;"), compatibilityDate: "2026-04-07" });
    await mf.dispatchFetch();
    expect(mf.compatibility?.isEnabled("web_socket_auto_reply_to_close")).toBe(true);
    await mf.setOptions({ compatibilityDate: "2024-01-01" });
    expect(mf.compatibility?.isEnabled("web_socket_auto_reply_to_close")).toBe(false);
  });
});
