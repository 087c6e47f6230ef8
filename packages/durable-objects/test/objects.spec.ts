// Durable Objects in the real sandbox: namespaces, instances, RPC, fetch, the input gate, reloads.
import { describe, expect, it } from "vitest";
import { useWorker } from "./sandbox.js";

const COUNTER = `
import { DurableObject } from "cloudflare:workers";
export class Counter extends DurableObject {
  instance = crypto.randomUUID();
  async increment(by = 1) {
    const n = ((await this.ctx.storage.get("n")) ?? 0) + by;
    await this.ctx.storage.put("n", n);
    return n;
  }
  whoami() { return { instance: this.instance, id: this.ctx.id.toString(), name: this.ctx.id.name }; }
  echo(value) { return value; }
  types(value) {
    return [value instanceof Map, value.get("d") instanceof Date, Array.isArray(value.get("list")), value.get("bytes") instanceof Uint8Array];
  }
  throwType() { throw new TypeError("bad type"); }
  throwCustom() { class MyError extends Error { name = "MyError"; extra = 1; } throw new MyError("mine"); }
  async throwLater() { await null; throw new RangeError("later"); }
  field = 5;
  get getter() { return "got"; }
  async fetch(request) { return new Response(request.method + " " + request.url + " " + (await this.increment())); }
}
export class Plain {
  constructor(ctx, env) { this.ctx = ctx; }
  hello() { return "hi"; }
  async fetch(request) { return new Response("plain " + request.url); }
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const stub = env.COUNTER.getByName(url.searchParams.get("name") ?? "a");
    const json = async (run) => {
      try { return Response.json({ ok: await run() }); }
      catch (error) {
        const extra = error.extra !== undefined ? { name: error.name, extra: error.extra } : {};
        return Response.json({ error: error.constructor.name + ": " + error.message, remote: error.remote === true, ...extra });
      }
    };
    switch (url.pathname) {
      case "/increment": return json(() => stub.increment(Number(url.searchParams.get("by") ?? 1)));
      case "/whoami": return json(() => stub.whoami());
      case "/echo": return json(async () => {
        const value = new Map([["d", new Date(0)], ["list", [1, "two"]], ["bytes", new Uint8Array([1])]]);
        const back = await stub.echo(value);
        return [back instanceof Map, back.get("d") instanceof Date, back.get("d").getTime(), back.get("list"), back.get("bytes") instanceof Uint8Array, await stub.types(value)];
      });
      case "/error": return json(() => stub[url.searchParams.get("method")]());
      case "/property": return json(async () => [await stub.getter, stub.then, String(stub), stub.name, stub.id.name]);
      case "/clone": return json(() => stub.echo(new (class A {})()));
      case "/fetch": return stub.fetch(url.searchParams.get("url"), { method: "POST" });
      case "/plain": return json(() => env.PLAIN.get(env.PLAIN.idFromName("p")).hello());
      case "/plain-fetch": return env.PLAIN.get(env.PLAIN.idFromName("p")).fetch("http://do/x");
    }
    return new Response("not found", { status: 404 });
  },
};`;

const OPTIONS = { durableObjects: { COUNTER: "Counter", PLAIN: "Plain" } };

const json = async (worker: { text(path: string): Promise<string> }, path: string) => JSON.parse(await worker.text(path)) as { ok?: unknown; error?: string; remote?: boolean };

describe("Durable Object namespaces", () => {
  it("the same name reaches the same instance and state; another name a separate one", async () => {
    const worker = await useWorker(COUNTER, OPTIONS);
    expect(await json(worker, "/increment?name=a")).toEqual({ ok: 1 });
    expect(await json(worker, "/increment?name=a&by=2")).toEqual({ ok: 3 });
    expect(await json(worker, "/increment?name=b")).toEqual({ ok: 1 });
    const a1 = (await json(worker, "/whoami?name=a")).ok as { instance: string; id: string; name: string };
    const a2 = (await json(worker, "/whoami?name=a")).ok as { instance: string };
    const b = (await json(worker, "/whoami?name=b")).ok as { instance: string; id: string };
    expect(a2.instance).toBe(a1.instance);
    expect(b.instance).not.toBe(a1.instance);
    expect(a1.id).toMatch(/^[0-9a-f]{64}$/);
    expect(a1.id).not.toBe(b.id);
    expect(a1.name).toBe("a");
    // The ids workerd gives the same namespace ("-Counter") and name.
    const namespace = worker.plugin.api.getNamespace("COUNTER");
    expect(namespace.idFromName("a").toString()).toBe(a1.id);
  });

  it("two concurrent increments that await storage never lose an update (input gate)", async () => {
    const worker = await useWorker(COUNTER, OPTIONS);
    const results = await Promise.all(Array.from({ length: 10 }, () => json(worker, "/increment?name=gate")));
    expect(results.map((result) => result.ok).sort((x, y) => Number(x) - Number(y))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it("reload drops instances; storage stays", async () => {
    const worker = await useWorker(COUNTER, OPTIONS);
    await json(worker, "/increment?name=r");
    const before = (await json(worker, "/whoami?name=r")).ok as { instance: string };
    await worker.mf.reload();
    const after = (await json(worker, "/whoami?name=r")).ok as { instance: string };
    expect(after.instance).not.toBe(before.instance);
    expect(await json(worker, "/increment?name=r")).toEqual({ ok: 2 });
  });
});

describe("RPC", () => {
  it("arguments and results are structured-cloned into the worker's realm", async () => {
    const worker = await useWorker(COUNTER, OPTIONS);
    expect(await json(worker, "/echo")).toEqual({ ok: [true, true, 0, [1, "two"], true, [true, true, true, true]] });
  });

  it("thrown errors reach the caller with their class, message, name and own properties, marked remote", async () => {
    const worker = await useWorker(COUNTER, OPTIONS, { compatibilityDate: "2026-07-01" });
    expect(await json(worker, "/error?method=throwType")).toEqual({ error: "TypeError: bad type", remote: true });
    expect(await json(worker, "/error?method=throwLater")).toEqual({ error: "RangeError: later", remote: true });
    expect(await json(worker, "/error?method=throwCustom")).toEqual({ error: "Error: mine", remote: true, name: "MyError", extra: 1 });
  });

  it("a missing method, an instance field, a reserved name: workerd's TypeErrors", async () => {
    const worker = await useWorker(COUNTER, OPTIONS);
    expect(await json(worker, "/error?method=missing")).toEqual({
      error: 'TypeError: The RPC receiver does not implement the method "missing".',
      remote: true,
    });
    expect(await json(worker, "/error?method=field")).toEqual({
      error: 'TypeError: The RPC receiver does not implement the method "field".',
      remote: true,
    });
    expect(await json(worker, "/error?method=alarm")).toEqual({
      error: "TypeError: 'alarm' is a reserved method and cannot be called over RPC.",
      remote: true,
    });
  });

  it("properties can be awaited; a stub is not a thenable", async () => {
    const worker = await useWorker(COUNTER, OPTIONS);
    expect(await json(worker, "/property?name=p")).toEqual({ ok: ["got", null, "[object DurableObject]", "p", "p"] });
  });

  it("an instance of a class is workerd's DataCloneError, on the caller's side", async () => {
    const worker = await useWorker(COUNTER, OPTIONS);
    expect(await json(worker, "/clone")).toEqual({
      error: 'DOMException: Could not serialize object of type "A". This type does not support serialization.',
      remote: false,
    });
  });

  it("a class that does not extend DurableObject has no RPC, only fetch", async () => {
    const worker = await useWorker(COUNTER, OPTIONS);
    expect((await json(worker, "/plain")).error).toMatch(
      /^TypeError: The receiving Durable Object does not support RPC, because its class was not declared with `extends DurableObject`\./,
    );
    expect(await worker.text("/plain-fetch")).toBe("plain http://do/x");
  });

  it("before 2026-04-21 (enhanced_error_serialization) a custom error's name is prefixed to its message", async () => {
    const worker = await useWorker(COUNTER, OPTIONS, { compatibilityDate: "2026-01-01" });
    expect(await json(worker, "/error?method=throwCustom")).toEqual({ error: "Error: MyError: mine", remote: true });
  });

  it("before 2024-04-03 (no rpc flag) a stub has no methods", async () => {
    const worker = await useWorker(COUNTER, OPTIONS, { compatibilityDate: "2024-01-01" });
    expect((await json(worker, "/whoami")).error).toBe("TypeError: stub.whoami is not a function");
  });
});

describe("stub.fetch()", () => {
  it("delivers the request to the object's fetch()", async () => {
    const worker = await useWorker(COUNTER, OPTIONS);
    expect(await worker.text("/fetch?url=" + encodeURIComponent("http://do.example/path"))).toBe("POST http://do.example/path 1");
  });

  it("needs a full URL from 2021-11-10; before, a path is relative to https://fake-host/", async () => {
    const worker = await useWorker(COUNTER, OPTIONS);
    await expect(worker.mf.dispatchFetch("http://localhost/fetch?url=/path")).rejects.toThrow(new TypeError("Invalid URL: /path"));
    const old = await useWorker(COUNTER, OPTIONS, { compatibilityDate: "2021-01-01" });
    expect(await old.text("/fetch?url=/path")).toBe("POST https://fake-host/path 1");
  });
});
