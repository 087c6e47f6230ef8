/**
 * `MiniflareCore#dispatchFetch` (src/dispatch.ts, src/standards/events.ts): waitUntil, passThroughOnException
 * and forwarding to the origin, and what a failing handler turns into.
 */
import { describe, expect, it } from "vitest";
import { FlareletError, LogLevel } from "@flarelet/core";
import { captureLog, rejectionOf, useCore, useOrigin, waitFor } from "./helpers.js";

const cores = useCore();

describe("MiniflareCore#dispatchFetch: waitUntil", () => {
  it("resolves res.waitUntil() with the values of ctx.waitUntil() promises, in order", async () => {
    const mf = cores.create({
      modules: true,
      script: `export default { fetch(request, env, ctx) {
        ctx.waitUntil(new Promise((resolve) => setTimeout(() => resolve("slow"), 20)));
        ctx.waitUntil(Promise.resolve({ fast: true }));
        ctx.waitUntil(42);
        return new Response("sent before the work is done");
      } };`,
    });
    const res = await mf.dispatchFetch();
    expect(await res.text()).toBe("sent before the work is done");
    expect(await res.waitUntil()).toEqual(["slow", { fast: true }, 42]);
  });

  it("resolves res.waitUntil() with [] when the handler registered nothing", async () => {
    const mf = cores.create({ modules: true, script: `export default { fetch: () => new Response("") };` });
    expect(await (await mf.dispatchFetch()).waitUntil()).toEqual([]);
  });

  it("keeps the work of one request apart from another's", async () => {
    const mf = cores.create({
      modules: true,
      script: `export default { fetch(request, env, ctx) { ctx.waitUntil(Promise.resolve(new URL(request.url).pathname)); return new Response(""); } };`,
    });
    const [a, b] = await Promise.all([mf.dispatchFetch("http://localhost/a"), mf.dispatchFetch("http://localhost/b")]);
    expect([await a.waitUntil(), await b.waitUntil()]).toEqual([["/a"], ["/b"]]);
  });

  it("logs a rejecting waitUntil() promise without failing dispatchFetch", async () => {
    const { log, lines } = captureLog(LogLevel.ERROR);
    const mf = cores.create({
      log,
      modules: true,
      script: `export default { fetch(request, env, ctx) {
        ctx.waitUntil(Promise.reject(new TypeError("background failure")));
        ctx.waitUntil(Promise.resolve("fine"));
        return new Response("still answered");
      } };`,
    });
    const res = await mf.dispatchFetch();
    expect(await res.text()).toBe("still answered");
    const failure = (await rejectionOf(res.waitUntil())) as Error;
    expect(failure.message).toBe("background failure");
    await waitFor(() => lines.length > 0);
    expect(lines[0]).toMatch(/^\[flarelet:err\] Uncaught \(in waitUntil promise\): TypeError: background failure/);
  });

  it("supports event.waitUntil() in the service-worker format", async () => {
    const mf = cores.create({
      script: `addEventListener("fetch", (event) => {
        event.waitUntil(new Promise((resolve) => setTimeout(() => resolve("sw work"), 5)));
        event.respondWith(new Response("sw"));
      });`,
    });
    const res = await mf.dispatchFetch();
    expect(await res.text()).toBe("sw");
    expect(await res.waitUntil()).toEqual(["sw work"]);
  });
});

describe("MiniflareCore#dispatchFetch: passThroughOnException", () => {
  const origin = useOrigin();

  it("answers with the origin's response when the handler throws after calling it", async () => {
    const mf = cores.create({
      modules: true,
      script: `export default { fetch(request, env, ctx) {
        ctx.passThroughOnException();
        throw new Error("handler failed");
      } };`,
    });
    const res = await mf.dispatchFetch(`${origin.url}/some/path?x=1`, {
      method: "POST",
      body: "request body",
      headers: { "x-custom": "kept" },
    });
    expect(res.status).toBe(203);
    expect(res.headers.get("x-origin")).toBe("yes");
    expect(await res.json()).toEqual({ method: "POST", path: "/some/path?x=1", body: "request body", forwarded: "1", custom: "kept" });
  });

  it("forwards after an async handler rejects, and in the service-worker format", async () => {
    const modules = cores.create({
      modules: true,
      script: `export default { async fetch(request, env, ctx) { ctx.passThroughOnException(); await null; throw new Error("async"); } };`,
    });
    const sw = cores.create({
      script: `addEventListener("fetch", (event) => { event.passThroughOnException(); throw new Error("sw"); });`,
    });
    expect(await (await modules.dispatchFetch(`${origin.url}/m`)).json()).toMatchObject({ path: "/m" });
    expect(await (await sw.dispatchFetch(`${origin.url}/sw`)).json()).toMatchObject({ path: "/sw" });
  });

  it("rejects with the handler's error when the handler did not call it", async () => {
    const mf = cores.create({
      modules: true,
      script: `export default { fetch() { throw new Error("no pass-through"); } };`,
    });
    expect(((await rejectionOf(mf.dispatchFetch(`${origin.url}/`))) as Error).message).toBe("no pass-through");
    expect(origin.requests).toBe(0);
  });

  it("rejects with the handler's error when the body was already read", async () => {
    const mf = cores.create({
      modules: true,
      script: `export default { async fetch(request, env, ctx) { ctx.passThroughOnException(); await request.text(); throw new Error("after reading"); } };`,
    });
    const error = (await rejectionOf(mf.dispatchFetch(`${origin.url}/`, { method: "POST", body: "x" }))) as Error;
    expect(error.message).toBe("after reading");
    expect(origin.requests).toBe(0);
  });

  it("does not forward a request that flarelet already forwarded once", async () => {
    const mf = cores.create({
      modules: true,
      script: `export default { fetch(request, env, ctx) { ctx.passThroughOnException(); throw new Error("loop guard"); } };`,
    });
    const error = (await rejectionOf(
      mf.dispatchFetch(`${origin.url}/`, { headers: { "x-flarelet-forwarded": "1" } }),
    )) as Error;
    expect(error.message).toBe("loop guard");
    expect(origin.requests).toBe(0);
  });

  it("does not forward flarelet's own errors", async () => {
    const mf = cores.create({
      modules: true,
      script: `export default { fetch(request, env, ctx) { ctx.passThroughOnException(); return "not a response"; } };`,
    });
    expect(((await rejectionOf(mf.dispatchFetch(`${origin.url}/`))) as FlareletError).code).toBe("ERR_INVALID_RESPONSE");
    expect(origin.requests).toBe(0);
  });

  it("forwards to the origin when no service-worker listener responds", async () => {
    const mf = cores.create({ script: `addEventListener("fetch", () => {});` });
    const res = await mf.dispatchFetch(`${origin.url}/unanswered`);
    expect(await res.json()).toMatchObject({ path: "/unanswered", forwarded: "1" });
  });

  it("fails with ERR_NO_RESPONSE when no listener responds and the request cannot be forwarded", async () => {
    const mf = cores.create({ script: `addEventListener("fetch", () => {});` });
    const error = (await rejectionOf(
      mf.dispatchFetch(`${origin.url}/`, { headers: { "x-flarelet-forwarded": "1" } }),
    )) as FlareletError;
    expect(error).toBeInstanceOf(FlareletError);
    expect(error.code).toBe("ERR_NO_RESPONSE");
    expect(error.message).toBe("No fetch event listener called respondWith().");
    expect(origin.requests).toBe(0);
  });
});

describe("MiniflareCore#dispatchFetch: handler errors", () => {
  it("rejects with the very error a modules handler throws", async () => {
    const mf = cores.create({
      modules: true,
      script: `export default { fetch() { globalThis.thrown = new RangeError("from the handler"); throw globalThis.thrown; } };`,
    });
    const error = await rejectionOf(mf.dispatchFetch());
    const { thrown } = await mf.getGlobalScope();
    expect(thrown).toBeDefined();
    expect(error).toBe(thrown);
  });

  it("rejects with the very value an async handler rejects with, even a non-Error", async () => {
    const mf = cores.create({
      modules: true,
      script: `export default { async fetch() { await null; globalThis.thrown = { reason: "plain object" }; throw globalThis.thrown; } };`,
    });
    const error = await rejectionOf(mf.dispatchFetch());
    expect(error).toBe((await mf.getGlobalScope()).thrown);
    expect(error).toEqual({ reason: "plain object" });
  });

  it("rejects with the very error a service-worker listener throws", async () => {
    const mf = cores.create({
      script: `addEventListener("fetch", () => { globalThis.thrown = new Error("listener"); throw globalThis.thrown; });`,
    });
    const error = await rejectionOf(mf.dispatchFetch());
    expect(error).toBe((await mf.getGlobalScope()).thrown);
  });

  it("rejects with the rejection of the promise given to respondWith()", async () => {
    const mf = cores.create({
      script: `addEventListener("fetch", (event) => { globalThis.thrown = new Error("respondWith"); event.respondWith(Promise.reject(globalThis.thrown)); });`,
    });
    const error = await rejectionOf(mf.dispatchFetch());
    expect(error).toBe((await mf.getGlobalScope()).thrown);
  });

  it("keeps serving after a handler threw", async () => {
    const mf = cores.create({
      modules: true,
      script: `export default { fetch(request) { if (request.url.endsWith("/fail")) throw new Error("fail"); return new Response("ok"); } };`,
    });
    await rejectionOf(mf.dispatchFetch("http://localhost/fail"));
    expect(await (await mf.dispatchFetch("http://localhost/")).text()).toBe("ok");
  });

  it.each([
    ["a string", `"text"`],
    ["undefined", `undefined`],
    ["a plain object", `({ status: 200, body: "x" })`],
  ])("fails with ERR_INVALID_RESPONSE when a modules handler returns %s", async (_, value) => {
    const mf = cores.create({ modules: true, script: `export default { fetch: () => ${value} };` });
    const error = (await rejectionOf(mf.dispatchFetch())) as FlareletError;
    expect(error).toBeInstanceOf(FlareletError);
    expect(error.code).toBe("ERR_INVALID_RESPONSE");
    expect(error.message).toBe("Incorrect type for Promise: the Promise did not resolve to 'Response'.");
  });

  it("fails with ERR_INVALID_RESPONSE when respondWith() gets something else", async () => {
    const mf = cores.create({ script: `addEventListener("fetch", (event) => event.respondWith("text"));` });
    expect(((await rejectionOf(mf.dispatchFetch())) as FlareletError).code).toBe("ERR_INVALID_RESPONSE");
  });

  it('fails with ERR_NO_HANDLER "Handler does not export a fetch() function." for a modules worker without fetch', async () => {
    for (const script of [`export default {};`, `export const notDefault = { fetch() {} };`, `export default { fetch: "no" };`]) {
      const mf = cores.create({ modules: true, script });
      const error = (await rejectionOf(mf.dispatchFetch())) as FlareletError;
      expect(error).toBeInstanceOf(FlareletError);
      expect(error.code).toBe("ERR_NO_HANDLER");
      expect(error.message).toBe("Handler does not export a fetch() function.");
    }
  });

  it("fails with ERR_NO_HANDLER for a service worker that only listens to other events", async () => {
    const mf = cores.create({ script: `addEventListener("scheduled", () => {});` });
    const error = (await rejectionOf(mf.dispatchFetch())) as FlareletError;
    expect(error.code).toBe("ERR_NO_HANDLER");
    expect(error.message).toBe("No event listener registered for fetch events.");
  });
});
