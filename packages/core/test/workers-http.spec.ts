/**
 * Request, Response and Headers as workerd has them (issue 10, found with the conformance harness): default
 * statusText, null-body statuses, `cf` on a Response, Response.json(undefined), redirect messages, the
 * RequestInit checks by compatibility date, immutable incoming and fetched headers, `headers.getAll`.
 * Everything is observed from inside the worker.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { jsonWorker, useCore, useOrigin } from "./helpers.js";

const cores = useCore();

async function inWorker(body: string, options: { compatibilityDate?: string; headers?: Record<string, string> } = {}): Promise<unknown> {
  const mf = cores.create({ modules: true, compatibilityDate: options.compatibilityDate, script: jsonWorker(body) });
  return (await mf.dispatchFetch("http://localhost/", { headers: options.headers })).json();
}

const errorOf = `const errorOf = (fn) => { try { fn(); return "no error"; } catch (e) { return [e.constructor.name, e.message]; } };`;

describe("Response (workerd's)", () => {
  it("has workerd's default statusText, the class of the status for codes without a phrase", async () => {
    expect(await inWorker(`return [200, 201, 299, 404, 418, 425, 499, 509, 599].map((s) => new Response(null, { status: s }).statusText);`)).toEqual([
      "OK", "Created", "Successful", "Not Found", "I'm a teapot", "Client Error", "Client Error", "Server Error", "Server Error",
    ]);
  });

  it("keeps the default statusText through clone(), json() and redirect()", async () => {
    expect(await inWorker(`return [new Response("x", { status: 201 }).clone().statusText, Response.json(1, { status: 404 }).statusText, Response.redirect("https://x/").statusText];`)).toEqual(["Created", "Not Found", "Found"]);
  });

  it("accepts an empty body with a null-body status, and refuses another with workerd's message", async () => {
    expect(await inWorker(`${errorOf} return [errorOf(() => new Response("", { status: 204 })), errorOf(() => new Response("x", { status: 304 }))];`)).toEqual([
      "no error",
      ["TypeError", "Response with null body status (101, 204, 205, or 304) cannot have a body."],
    ]);
  });

  it("keeps cf, serialises undefined as the text undefined, and words redirect errors as workerd", async () => {
    expect(await inWorker(`${errorOf}
      return [new Response("", { cf: { cacheTtl: 5 } }).cf, await Response.json(undefined).text(),
        errorOf(() => Response.redirect("https://x/", 200)), errorOf(() => Response.redirect("/relative")),
        errorOf(() => Response.redirect("https://x/").headers.set("a", "1"))];`)).toEqual([
      { cacheTtl: 5 },
      "undefined",
      ["RangeError", "200 is not a redirect status code. It must be one of: 301, 302, 303, 307, or 308."],
      ["TypeError", "Unable to parse URL: /relative"],
      ["TypeError", "Can't modify immutable headers."],
    ]);
  });
});

describe("Request init checks (workerd's, by compatibility date)", () => {
  const checks = `${errorOf}
    const method = (m) => { try { return new Request("https://x/", { method: m }).method; } catch (e) { return e.message; } };
    return [method("patch"), method("FOO"), method("delete"),
      errorOf(() => new Request("https://x/", { redirect: "error" }))[1].slice(0, 40),
      errorOf(() => new Request("https://x/", { integrity: "sha256-x" }))[1].slice(0, 40),
      errorOf(() => new Request("https://x/", { cache: "no-store" })),
      new Request("https://x/", { mode: "cors" }).mode];`;

  it("follows workerd at a recent date", async () => {
    expect(await inWorker(checks, { compatibilityDate: "2026-07-01" })).toEqual([
      "PATCH", "Invalid HTTP method string: FOO", "DELETE",
      'Invalid redirect value, must be one of "', "Subrequest integrity checking is not imp", "no error", null,
    ]);
  });

  it("follows workerd at an old date: lower-case methods other than the standard six, and cache, are refused", async () => {
    const result = (await inWorker(checks, { compatibilityDate: "2021-11-03" })) as unknown[];
    expect(result.slice(0, 3)).toEqual(["Invalid HTTP method string: patch", "Invalid HTTP method string: FOO", "DELETE"]);
    expect(result[5]).toEqual(["Error", "The 'cache' field on 'RequestInitializerDict' is not implemented."]);
  });

  it("checks fetch()'s init too", async () => {
    expect(await inWorker(`return fetch("https://x/", { method: "bad method" }).then(() => "fetched", (e) => e.message);`)).toBe(
      "Invalid HTTP method string: bad method",
    );
  });
});

describe("Headers (workerd's)", () => {
  it("the incoming request's headers are immutable; a copy's are not", async () => {
    const result = await inWorker(`${errorOf}
      const copy = new Request(request); copy.headers.set("x-a", "2");
      return [errorOf(() => request.headers.set("x-a", "2")), errorOf(() => request.headers.append("x-b", "1")),
        errorOf(() => request.headers.delete("x-a")), request.headers.get("x-a"), copy.headers.get("x-a")];`, { headers: { "x-a": "1" } });
    const immutable = ["TypeError", "Can't modify immutable headers."];
    expect(result).toEqual([immutable, immutable, immutable, "1", "2"]);
  });

  const origin = useOrigin();

  it("a fetch() response's headers are immutable", async () => {
    const mf = cores.create({
      modules: true,
      bindings: { ORIGIN: origin.url },
      script: jsonWorker(`const r = await fetch(env.ORIGIN); await r.arrayBuffer(); try { r.headers.set("x", "1"); return "changed"; } catch (e) { return e.message; }`),
    });
    expect(await (await mf.dispatchFetch()).json()).toBe("Can't modify immutable headers.");
  });

  it("a fetch() response's type is workerd's \"default\"; a refused connection is workerd's Error", async () => {
    const mf = cores.create({
      modules: true,
      bindings: { ORIGIN: origin.url },
      script: jsonWorker(`const r = await fetch(env.ORIGIN); await r.arrayBuffer();
        const refused = await fetch("http://127.0.0.1:1/").then(() => "fetched", (e) => [e.constructor.name, e.message]);
        return [r.type, new Response("x").type, Response.error().type, refused];`),
    });
    expect(await (await mf.dispatchFetch()).json()).toEqual(["default", "default", "error", ["Error", "Network connection lost."]]);
  });

  it("has getAll for Set-Cookie only", async () => {
    expect(await inWorker(`${errorOf}
      const h = new Headers(); h.append("Set-Cookie", "a=1"); h.append("Set-Cookie", "b=2");
      return [h.getAll("set-cookie"), errorOf(() => h.getAll("x"))];`)).toEqual([
      ["a=1", "b=2"],
      ["TypeError", 'getAll() can only be used with the header name "Set-Cookie".'],
    ]);
  });
});

describe("outbound fetch (workerd's)", () => {
  let server: http.Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it("sends the worker's headers sorted by name and none of Node's defaults; refuses other schemes", async () => {
    server = http.createServer((request, response) => response.end(JSON.stringify(request.rawHeaders.filter((_, i) => i % 2 === 0))));
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const mf = cores.create({
      modules: true,
      bindings: { ORIGIN: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` },
      script: jsonWorker(`
        const plain = await (await fetch(env.ORIGIN)).json();
        const own = await (await fetch(env.ORIGIN, { headers: { "X-Custom": "1", "User-Agent": "mine", accept: "text/x" } })).json();
        const ftp = await fetch("ftp://example.com/").then(() => "fetched", (e) => [e.constructor.name, e.message]);
        return [plain, own, ftp];`),
    });
    expect(await (await mf.dispatchFetch()).json()).toEqual([
      ["host", "connection"],
      ["host", "connection", "accept", "User-Agent", "X-Custom"],
      ["TypeError", "Fetch API cannot load: ftp://example.com/"],
    ]);
  });
});
