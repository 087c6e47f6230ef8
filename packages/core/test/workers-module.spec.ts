/**
 * `cloudflare:workers` (src/builtins/workers-module.ts): the entrypoint classes as workerd shapes them, the
 * importable `env`, `withEnv` and `waitUntil` attached to the request whose code calls it.
 */
import { describe, expect, it } from "vitest";
import { DurableObject, enableRequestContext, runInRequestContext, RpcTarget, WorkerEntrypoint, WorkflowEntrypoint } from "@flarelet/core";
import { jsonWorker, rejectionOf, useCore } from "./helpers.js";

const cores = useCore();
const IMPORT = `import { env, waitUntil, withEnv, DurableObject, WorkerEntrypoint, WorkflowEntrypoint, RpcTarget } from "cloudflare:workers";`;

describe("cloudflare:workers classes", () => {
  it("store (ctx, env) as this.ctx and this.env, so that a subclass needs no constructor", async () => {
    const mf = cores.create({
      modules: true,
      script: jsonWorker(
        `const ctxArg = { id: 1 }, envArg = { B: 2 };
        const api = new Api(ctxArg, envArg), counter = new Counter(ctxArg, envArg), flow = new Flow(ctxArg, envArg);
        return {
          api: [api.ctx === ctxArg, api.env === envArg, api.hello()],
          counter: [counter.ctx === ctxArg, counter.env === envArg, counter instanceof DurableObject],
          flow: [flow.ctx === ctxArg, flow.env === envArg],
          own: Object.keys(api),
          names: [WorkerEntrypoint.name, DurableObject.name, WorkflowEntrypoint.name, RpcTarget.name],
          target: new Target() instanceof RpcTarget,
        };`,
        `${IMPORT}
        class Api extends WorkerEntrypoint { hello() { return "hi " + this.env.B; } }
        class Counter extends DurableObject {}
        class Flow extends WorkflowEntrypoint {}
        class Target extends RpcTarget {}`,
      ),
    });
    expect(await (await mf.dispatchFetch()).json()).toEqual({
      api: [true, true, "hi 2"],
      counter: [true, true, true],
      flow: [true, true],
      own: ["ctx", "env"],
      names: ["WorkerEntrypoint", "DurableObject", "WorkflowEntrypoint", "RpcTarget"],
      target: true,
    });
  });

  it("are the classes @flarelet/core exports, so that a plugin recognises a worker's subclass", async () => {
    // A worker hands over what it imported, through its global scope.
    const probe = cores.create({
      modules: true,
      bindings: {},
      script: `${IMPORT}\nexport default { fetch() { globalThis.classes = { DurableObject, WorkerEntrypoint, RpcTarget, WorkflowEntrypoint }; return new Response(""); } };`,
    });
    await probe.dispatchFetch();
    const classes = (await probe.getGlobalScope()).classes as Record<string, unknown>;
    expect(classes).toEqual({ DurableObject, WorkerEntrypoint, RpcTarget, WorkflowEntrypoint });
  });
});

describe("cloudflare:workers env", () => {
  it("holds the load's bindings at the top level and in a handler, and is not the handler's env object", async () => {
    const mf = cores.create({
      modules: true,
      bindings: { NAME: "flarelet", COUNT: 3 },
      script: `${IMPORT}
        const atTop = env.NAME;
        export default { fetch(request, handlerEnv) {
          env.ADDED = "written";
          return Response.json({
            atTop, inHandler: env.NAME, keys: Object.keys(env).sort(), has: "COUNT" in env,
            same: env === handlerEnv, written: handlerEnv.ADDED, isObject: env instanceof Object,
          });
        } };`,
    });
    expect(await (await mf.dispatchFetch()).json()).toEqual({
      atTop: "flarelet",
      inHandler: "flarelet",
      keys: ["ADDED", "COUNT", "NAME"],
      has: true,
      same: false,
      written: "written",
      isObject: true,
    });
  });

  it("follows new bindings after setOptions()", async () => {
    const mf = cores.create({ modules: true, bindings: { NAME: "one" }, script: jsonWorker(`return workers.env.NAME;`, `import * as workers from "cloudflare:workers";`) });
    expect(await (await mf.dispatchFetch()).json()).toBe("one");
    await mf.setOptions({ bindings: { NAME: "two" } });
    expect(await (await mf.dispatchFetch()).json()).toBe("two");
  });

  it("is replaced inside withEnv(), across awaits, and restored after it", async () => {
    const mf = cores.create({
      modules: true,
      bindings: { NAME: "outer" },
      script: jsonWorker(
        // The handler's own parameter is called env too: the imported one is read as workers.env.
        `const inner = await workers.withEnv({ NAME: "inner" }, async () => { await scheduler.wait(1); return workers.env.NAME; });
        return [inner, workers.env.NAME];`,
        `import * as workers from "cloudflare:workers";`,
      ),
    });
    expect(await (await mf.dispatchFetch()).json()).toEqual(["inner", "outer"]);
  });
});

describe("cloudflare:workers waitUntil", () => {
  it("attaches to the request whose code calls it, also after awaits and with requests in parallel", async () => {
    const mf = cores.create({
      modules: true,
      script: `${IMPORT}
        export default { async fetch(request) {
          const { pathname } = new URL(request.url);
          await scheduler.wait(pathname === "/a" ? 20 : 1);
          waitUntil(Promise.resolve(pathname));
          return new Response(pathname);
        } };`,
    });
    const [a, b] = await Promise.all([mf.dispatchFetch("http://localhost/a"), mf.dispatchFetch("http://localhost/b")]);
    expect([await a.waitUntil(), await b.waitUntil()]).toEqual([["/a"], ["/b"]]);
  });

  it("throws workerd's error at the top level, where there is no request", async () => {
    const mf = cores.create({ modules: true, script: `${IMPORT}\nwaitUntil(Promise.resolve());\nexport default {};` });
    const error = (await rejectionOf(mf.dispatchFetch())) as Error;
    expect((error.cause as Error).message).toBe(
      "Disallowed operation called within global scope. Asynchronous I/O (ex: fetch() or connect()), setting a timeout, " +
        "and generating random values are not allowed within global scope. To fix this error, perform this operation " +
        "within a handler. https://developers.cloudflare.com/workers/runtime-apis/handlers/",
    );
  });

  it("works through a dynamic import() in the handler", async () => {
    const mf = cores.create({
      modules: true,
      script: `export default { async fetch() { const { waitUntil } = await import("cloudflare:workers"); waitUntil(Promise.resolve("late")); return new Response("ok"); } };`,
    });
    expect(await (await mf.dispatchFetch()).waitUntil()).toEqual(["late"]);
  });
});

describe("RequestContext#keepAlive (what keeps a Durable Object awake)", () => {
  it("is taken by a worker's timer set in the event, and given back when it fires, is cleared, or the load ends", async () => {
    enableRequestContext();
    const mf = cores.create({ modules: true, script: "export default { fetch: () => new Response('') };" });
    const global = (await mf.getGlobalScope()) as unknown as typeof globalThis;
    const events: string[] = [];
    const context = {
      env: {},
      waitUntil: () => {},
      keepAlive: () => {
        events.push("taken");
        return () => events.push("given back");
      },
    };
    const fired = new Promise<void>((resolve) => runInRequestContext(context, () => global.setTimeout(resolve, 1)));
    await fired;
    expect(events).toEqual(["taken", "given back"]);
    events.length = 0;
    runInRequestContext(context, () => global.clearTimeout(global.setTimeout(() => {}, 60_000)));
    expect(events).toEqual(["taken", "given back"]);
    events.length = 0;
    runInRequestContext(context, () => global.setInterval(() => {}, 60_000));
    // A timer set outside any event takes nothing.
    global.setTimeout(() => {}, 60_000);
    expect(events).toEqual(["taken"]);
    await mf.dispose();
    expect(events).toEqual(["taken", "given back"]);
  });
});
