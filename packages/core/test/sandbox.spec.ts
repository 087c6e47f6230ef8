/**
 * The worker's sandbox: the globals it sees (and does not see), cross-realm `instanceof`, and timers. Every
 * check runs inside the worker, which reports its findings as JSON.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { LogLevel } from "@flarelet/core";
import { captureLog, jsonWorker, sleep, useCore, waitFor } from "./helpers.js";

const cores = useCore();

/** Runs `body` inside a fresh modules worker and returns what it returned, through JSON. */
async function inWorker(body: string, prelude = ""): Promise<unknown> {
  const mf = cores.create({ modules: true, script: jsonWorker(body, prelude) });
  const res = await mf.dispatchFetch();
  return res.json();
}

describe("sandbox globals", () => {
  it("has no process, require, Buffer, module or global", async () => {
    expect(
      await inWorker(`return [typeof process, typeof require, typeof Buffer, typeof module, typeof global, typeof __dirname];`),
    ).toEqual(["undefined", "undefined", "undefined", "undefined", "undefined", "undefined"]);
  });

  it("has self === globalThis", async () => {
    expect(await inWorker(`return self === globalThis;`)).toBe(true);
  });

  it('has navigator (userAgent "Cloudflare-Workers") from 2022-03-21, as workerd (global_navigator)', async () => {
    const body = `return typeof navigator === "undefined" ? "none" : [navigator.userAgent, navigator.hardwareConcurrency, navigator.language, Object.prototype.toString.call(navigator)];`;
    const at = async (compatibilityDate: string) =>
      (await cores.create({ modules: true, compatibilityDate, script: jsonWorker(body) }).dispatchFetch()).json();
    expect(await at("2022-03-21")).toEqual(["Cloudflare-Workers", 1, "en", "[object Navigator]"]);
    expect(await at("2022-03-20")).toBe("none");
  });

  it("refuses eval with an EvalError", async () => {
    const result = await inWorker(`
      try { eval("1 + 1"); return "no error"; }
      catch (error) { return { isEvalError: error instanceof EvalError, message: error.message }; }
    `);
    expect(result).toEqual({ isEvalError: true, message: "Code generation from strings disallowed for this context" });
  });

  it("refuses new Function with an EvalError", async () => {
    const result = await inWorker(`
      try { new Function("return 1"); return "no error"; }
      catch (error) { return { isEvalError: error instanceof EvalError, message: error.message }; }
    `);
    expect(result).toEqual({ isEvalError: true, message: "Code generation from strings disallowed for this context" });
  });

  it("has crypto.randomUUID() giving version-4 UUIDs", async () => {
    const [a, b] = (await inWorker(`return [crypto.randomUUID(), crypto.randomUUID()];`)) as string[];
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(b).not.toBe(a);
  });

  it("has crypto.subtle.digest computing SHA-256", async () => {
    const input = "flarelet sandbox digest";
    const hex = await inWorker(`
      const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(${JSON.stringify(input)}));
      return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
    `);
    expect(hex).toBe(createHash("sha256").update(input).digest("hex"));
  });

  it("has atob and btoa", async () => {
    expect(await inWorker(`return [btoa("flarelet"), atob(btoa("round trip"))];`)).toEqual([
      Buffer.from("flarelet").toString("base64"),
      "round trip",
    ]);
  });

  it("has structuredClone, deep-copying its argument", async () => {
    expect(
      await inWorker(`
        const original = { nested: { list: [1, 2] }, when: new Date(0) };
        const copy = structuredClone(original);
        copy.nested.list.push(3);
        return { original: original.nested.list, copy: copy.nested.list, date: copy.when.getTime() };
      `),
    ).toEqual({ original: [1, 2], copy: [1, 2, 3], date: 0 });
  });

  it("has URL and URLSearchParams", async () => {
    expect(
      await inWorker(`
        const url = new URL("/path?a=1", "https://example.com");
        url.searchParams.append("b", "2");
        return url.href;
      `),
    ).toBe("https://example.com/path?a=1&b=2");
  });

  it("has streams that a Response can read from", async () => {
    expect(
      await inWorker(`
        const { readable, writable } = new TransformStream();
        const writer = writable.getWriter();
        writer.write(new TextEncoder().encode("streamed "));
        writer.write(new TextEncoder().encode("body"));
        writer.close();
        return await new Response(readable).text();
      `),
    ).toBe("streamed body");
  });

  it("has FormData, Blob and File of one family, so that new Response(formData) works", async () => {
    const result = (await inWorker(`
      const form = new FormData();
      form.append("field", "value");
      form.append("upload", new File(["file contents"], "a.txt", { type: "text/plain" }));
      form.append("blob", new Blob(["blob contents"]), "b.bin");
      const response = new Response(form);
      const parsed = await response.formData();
      const upload = parsed.get("upload");
      return {
        contentType: response.headers.get("content-type"),
        field: parsed.get("field"),
        uploadIsFile: upload instanceof File,
        fileIsBlob: upload instanceof Blob,
        uploadName: upload.name,
        uploadText: await upload.text(),
        blobText: await parsed.get("blob").text(),
      };
    `)) as Record<string, unknown>;
    expect(result.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(result).toMatchObject({
      field: "value",
      uploadIsFile: true,
      fileIsBlob: true,
      uploadName: "a.txt",
      uploadText: "file contents",
      blobText: "blob contents",
    });
  });

  it("has a Headers class that Request and Response accept", async () => {
    expect(
      await inWorker(`
        const headers = new Headers({ "x-a": "1" });
        const request = new Request("https://example.com", { headers });
        const response = new Response("", { headers: request.headers });
        return [request.headers.get("x-a"), response.headers.get("x-a"), response.headers instanceof Headers];
      `),
    ).toEqual(["1", "1", true]);
  });

  it("has performance.now() and scheduler.wait()", async () => {
    const result = (await inWorker(`
      const before = performance.now();
      await scheduler.wait(20);
      return { elapsed: performance.now() - before, timeOrigin: performance.timeOrigin };
    `)) as { elapsed: number; timeOrigin: number };
    expect(result.elapsed).toBeGreaterThanOrEqual(15);
    expect(result.timeOrigin).toBe(0);
  });
});

describe("sandbox cross-realm instanceof", () => {
  it("treats a request body's ArrayBuffer as an ArrayBuffer and an Object", async () => {
    const mf = cores.create({
      modules: true,
      script: `export default { async fetch(request) {
        const body = await request.arrayBuffer();
        return Response.json({ arrayBuffer: body instanceof ArrayBuffer, object: body instanceof Object, size: body.byteLength });
      } };`,
    });
    const res = await mf.dispatchFetch("http://localhost/", { method: "POST", body: "12345" });
    expect(await res.json()).toEqual({ arrayBuffer: true, object: true, size: 5 });
  });

  it("treats JSON parsed by a host Response as Array and Object", async () => {
    expect(
      await inWorker(`
        const list = await new Response("[1]").json();
        const record = await new Response('{"a":1}').json();
        return [list instanceof Array, list instanceof Object, record instanceof Object, record instanceof Array];
      `),
    ).toEqual([true, true, true, false]);
  });

  it("treats TextEncoder output as a Uint8Array", async () => {
    expect(
      await inWorker(`
        const bytes = new TextEncoder().encode("abc");
        return [bytes instanceof Uint8Array, bytes instanceof Object, bytes.buffer instanceof ArrayBuffer, bytes instanceof Int8Array];
      `),
    ).toEqual([true, true, true, false]);
  });

  it("treats crypto.getRandomValues's result as the Uint8Array it filled", async () => {
    expect(
      await inWorker(`
        const array = new Uint8Array(16);
        const result = crypto.getRandomValues(array);
        return [result === array, result instanceof Uint8Array];
      `),
    ).toEqual([true, true]);
  });

  it("treats structuredClone results as instances of the worker's classes", async () => {
    expect(
      await inWorker(`
        const copy = structuredClone({ list: [1], map: new Map([[1, 2]]), bytes: new Uint8Array(2), date: new Date(0) });
        return [
          copy instanceof Object,
          copy.list instanceof Array,
          copy.map instanceof Map,
          copy.bytes instanceof Uint8Array,
          copy.date instanceof Date,
        ];
      `),
    ).toEqual([true, true, true, true, true]);
  });

  it("treats promises from fetch and from body methods as Promise instances", async () => {
    expect(
      await inWorker(`
        const text = new Response("x").text();
        const fetched = fetch("http://127.0.0.1:1/");
        fetched.catch(() => {});
        await text;
        return [text instanceof Promise, fetched instanceof Promise, text instanceof Object];
      `),
    ).toEqual([true, true, true]);
  });

  it("does not widen instanceof for a class the worker defines", async () => {
    expect(
      await inWorker(`
        class E extends Error {}
        const own = new E("mine");
        return {
          hostErrorIsE: new Error("plain") instanceof E,
          ownIsE: own instanceof E,
          ownIsError: own instanceof Error,
          hostTypeErrorIsError: (() => { try { new Response(null, { status: 700 }); } catch (error) { return error instanceof Error; } })(),
          hostRangeErrorIsE: (() => { try { new Response(null, { status: 700 }); } catch (error) { return error instanceof E; } })(),
        };
      `),
    ).toEqual({ hostErrorIsE: false, ownIsE: true, ownIsError: true, hostTypeErrorIsError: true, hostRangeErrorIsE: false });
  });

  it("does not widen instanceof across unrelated intrinsics", async () => {
    expect(
      await inWorker(`
        const buffer = await new Response("ab").arrayBuffer();
        return [buffer instanceof Uint8Array, buffer instanceof Array, new TextEncoder().encode("a") instanceof ArrayBuffer];
      `),
    ).toEqual([false, false, false]);
  });
});

describe("sandbox timers", () => {
  it("setTimeout returns a number and runs the callback with its arguments", async () => {
    expect(
      await inWorker(`
        let id;
        const args = await new Promise((resolve) => { id = setTimeout((a, b) => resolve([a, b]), 1, "x", "y"); });
        return { type: typeof id, args };
      `),
    ).toEqual({ type: "number", args: ["x", "y"] });
  });

  it("clearTimeout cancels a pending timeout", async () => {
    expect(
      await inWorker(`
        let fired = false;
        const id = setTimeout(() => { fired = true; }, 5);
        clearTimeout(id);
        await new Promise((resolve) => setTimeout(resolve, 30));
        return fired;
      `),
    ).toBe(false);
  });

  it("clearInterval stops an interval", async () => {
    expect(
      await inWorker(`
        let count = 0;
        let cleared;
        const done = new Promise((resolve) => (cleared = resolve));
        const id = setInterval(() => { count++; if (count === 2) { clearInterval(id); cleared(); } }, 2);
        await done;
        // Several more periods, each waited for in turn: a live interval would keep counting. (A single
        // 60 ms timeout raced the interval on a loaded machine, where both came due in one timer pass.)
        for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 5));
        return count;
      `),
    ).toBe(2);
  });

  it("setTimeout without a function throws a TypeError", async () => {
    expect(
      await inWorker(`
        try { setTimeout("1 + 1", 1); return "no error"; }
        catch (error) { return [error instanceof TypeError, error.message]; }
      `),
    ).toEqual([true, "Failed to execute 'setTimeout': parameter 1 is not of type 'Function'."]);
  });

  it("logs an exception thrown by a timer callback and keeps serving", async () => {
    const { log, lines } = captureLog(LogLevel.ERROR);
    const mf = cores.create({
      log,
      modules: true,
      script: `export default { fetch(request) {
        if (new URL(request.url).pathname === "/throw") setTimeout(() => { throw new RangeError("timer boom"); }, 1);
        return new Response("ok");
      } };`,
    });
    await mf.dispatchFetch("http://localhost/throw");
    await waitFor(() => lines.some((line) => line.includes("timer boom")));
    const line = lines.find((candidate) => candidate.includes("timer boom"))!;
    expect(line).toContain("[flarelet:err] Uncaught exception in a setTimeout callback: RangeError: timer boom");
    expect(await (await mf.dispatchFetch("http://localhost/")).text()).toBe("ok");
  });

  it("logs a rejection from an async timer callback", async () => {
    const { log, lines } = captureLog(LogLevel.ERROR);
    const mf = cores.create({
      log,
      modules: true,
      script: `export default { fetch() { setTimeout(async () => { throw new Error("async timer boom"); }, 1); return new Response("ok"); } };`,
    });
    await mf.dispatchFetch();
    await waitFor(() => lines.some((line) => line.includes("async timer boom")));
    expect(lines.find((line) => line.includes("async timer boom"))).toContain("Uncaught exception in a setTimeout callback");
  });

  it("logs an exception thrown by a queueMicrotask callback", async () => {
    const { log, lines } = captureLog(LogLevel.ERROR);
    const mf = cores.create({
      log,
      modules: true,
      script: `export default { fetch() {
        queueMicrotask(() => { throw new Error("microtask boom"); });
        return new Response("ok");
      } };`,
    });
    expect(await (await mf.dispatchFetch()).text()).toBe("ok");
    await waitFor(() => lines.some((line) => line.includes("microtask boom")));
    expect(lines.find((line) => line.includes("microtask boom"))).toContain("Uncaught exception in a queueMicrotask callback");
  });

  it("stops the old worker's interval on reload", async () => {
    const state = { loads: 0, ticks: [] as number[] };
    const mf = cores.create({
      modules: true,
      globals: { __state: state },
      // Each load numbers itself and, on its first request, ticks with its number (workerd refuses timers at
      // the top level).
      script: `const id = ++__state.loads;
        let started = false;
        export default { fetch() { if (!started) { started = true; setInterval(() => __state.ticks.push(id), 2); } return new Response("ok"); } };`,
    });
    await mf.dispatchFetch();
    await waitFor(() => state.ticks.includes(1));
    await mf.reload();
    await mf.dispatchFetch();
    state.ticks.length = 0;
    await sleep(50);
    expect(state.ticks).toContain(2);
    expect(state.ticks).not.toContain(1);
  });

  it("stops the worker's timers on dispose", async () => {
    const state = { ticks: 0 };
    const mf = cores.create({
      modules: true,
      globals: { __state: state },
      script: `export default { fetch() { setInterval(() => globalThis.__state.ticks++, 2); return new Response("ok"); } };`,
    });
    await mf.dispatchFetch();
    await waitFor(() => state.ticks > 0);
    await mf.dispose();
    const after = state.ticks;
    await sleep(30);
    expect(state.ticks).toBe(after);
  });
});
