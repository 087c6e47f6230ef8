/**
 * The Workers `Response` and `Request` (src/standards/response.ts, request.ts, fetch.ts): status rules, the
 * `webSocket` field, statics, `cf`, and that every response a worker sees or returns is the Workers class.
 */
import { describe, expect, it } from "vitest";
import { Request, Response, definePlugin, unreadTextBody, type ResponseWebSocket } from "@flarelet/core";
import { kResponseWebSocket } from "@flarelet/core/internal";
import { jsonWorker, thrownBy, useCore, useOrigin } from "./helpers.js";

const cores = useCore();

/** The smallest thing core accepts as a WebSocket: an object carrying the brand. */
class FakeWebSocket implements ResponseWebSocket {
  readonly [kResponseWebSocket] = true as const;
  readonly label: string;
  constructor(label = "fake") {
    this.label = label;
  }
}

function expectError(fn: () => unknown, type: typeof TypeError | typeof RangeError, message: string): void {
  const error = thrownBy(fn);
  expect(error).toBeInstanceOf(type);
  expect((error as Error).message).toBe(message);
}

describe("Response: status", () => {
  it.each([101, 199, 600, 0])("refuses status %i without a webSocket (RangeError)", (status) => {
    expectError(
      () => new Response(null, { status }),
      RangeError,
      "Responses may only be constructed with status codes in the range 200 to 599, inclusive.",
    );
  });

  it.each([200, 204, 418, 599])("accepts status %i", (status) => {
    expect(new Response(null, { status }).status).toBe(status);
  });

  it("defaults to 200", () => {
    const response = new Response("body");
    expect([response.status, response.ok, response.webSocket]).toEqual([200, true, null]);
  });
});

describe("Response: webSocket", () => {
  it("refuses a webSocket with a status other than 101 (RangeError)", () => {
    for (const init of [{ status: 200 }, {}]) {
      expectError(
        () => new Response(null, { ...init, webSocket: new FakeWebSocket() }),
        RangeError,
        "Responses with a WebSocket must have status code 101.",
      );
    }
  });

  it("accepts status 101 with a webSocket: status 101, ok false, the socket readable", () => {
    const webSocket = new FakeWebSocket();
    const response = new Response(null, { status: 101, webSocket, headers: { "sec-websocket-protocol": "chat" } });
    expect(response.status).toBe(101);
    expect(response.ok).toBe(false);
    expect(response.webSocket).toBe(webSocket);
    expect(response.statusText).toBe("Switching Protocols");
    expect(response.headers.get("sec-websocket-protocol")).toBe("chat");
    expect(response.body).toBeNull();
  });

  it("keeps a statusText given with status 101", () => {
    expect(new Response(null, { status: 101, statusText: "Upgrade", webSocket: new FakeWebSocket() }).statusText).toBe("Upgrade");
  });

  it('refuses to clone a WebSocket response (TypeError "Cannot clone a response to a WebSocket handshake.")', () => {
    const response = new Response(null, { status: 101, webSocket: new FakeWebSocket() });
    expectError(() => response.clone(), TypeError, "Cannot clone a response to a WebSocket handshake.");
  });

  it("refuses a body with a webSocket (TypeError)", () => {
    expectError(
      () => new Response("body", { status: 101, webSocket: new FakeWebSocket() }),
      TypeError,
      "Response with null body status (101, 204, 205, or 304) cannot have a body.",
    );
  });

  it.each([
    ["a plain object", {}],
    ["an object with a false brand", { [kResponseWebSocket]: false }],
    ["a string", "socket"],
  ])("refuses %s as webSocket (TypeError)", (_, value) => {
    expectError(
      () => new Response(null, { status: 101, webSocket: value as unknown as ResponseWebSocket }),
      TypeError,
      "Incorrect type for the 'webSocket' field on 'InitializerDict': the provided value is not of type 'WebSocket'.",
    );
  });

  it("treats webSocket: null as no webSocket", () => {
    expect(new Response("x", { status: 202, webSocket: null }).status).toBe(202);
  });

  it("hands the caller of dispatchFetch the webSocket a worker returned, from a plugin's global class", async () => {
    const sockets: FakeWebSocket[] = [];
    const socketsPlugin = definePlugin({
      name: "fake-sockets",
      setup: () => ({
        globals: {
          FakeWebSocket: class extends FakeWebSocket {
            constructor(label?: string) {
              super(label);
              sockets.push(this);
            }
          },
        },
      }),
    });
    const mf = cores.create({
      modules: true,
      plugins: [socketsPlugin],
      script: `export default { fetch() {
        const socket = new FakeWebSocket("from the worker");
        return new Response(null, { status: 101, webSocket: socket, headers: { "x-upgrade": "1" } });
      } };`,
    });
    const res = await mf.dispatchFetch();
    expect(res.status).toBe(101);
    expect(res.headers.get("x-upgrade")).toBe("1");
    expect(sockets).toHaveLength(1);
    expect(res.webSocket).toBe(sockets[0]);
    expect((res.webSocket as FakeWebSocket).label).toBe("from the worker");
  });

  it("applies the same rules inside the worker", async () => {
    const mf = cores.create({
      modules: true,
      plugins: [{ name: "fake-sockets", setup: () => ({ globals: { FakeWebSocket } }) }],
      script: jsonWorker(`
        const attempt = (fn) => { try { fn(); return "no error"; } catch (error) { return [error instanceof TypeError ? "TypeError" : error instanceof RangeError ? "RangeError" : "other", error.message]; } };
        const socket = new FakeWebSocket();
        return [
          attempt(() => new Response(null, { status: 101 })),
          attempt(() => new Response(null, { status: 200, webSocket: socket })),
          attempt(() => new Response(null, { status: 101, webSocket: {} })),
          attempt(() => new Response(null, { status: 101, webSocket: socket }).clone()),
        ];
      `),
    });
    expect(await (await mf.dispatchFetch()).json()).toEqual([
      ["RangeError", "Responses may only be constructed with status codes in the range 200 to 599, inclusive."],
      ["RangeError", "Responses with a WebSocket must have status code 101."],
      ["TypeError", "Incorrect type for the 'webSocket' field on 'InitializerDict': the provided value is not of type 'WebSocket'."],
      ["TypeError", "Cannot clone a response to a WebSocket handshake."],
    ]);
  });
});

describe("Response: statics and clone", () => {
  it("returns Workers Responses from json(), redirect(), error() and clone()", () => {
    const json = Response.json({ a: 1 }, { status: 201 });
    const redirect = Response.redirect("https://example.com/", 301);
    const defaultRedirect = Response.redirect(new URL("https://example.com/"));
    const error = Response.error();
    const clone = new Response("x").clone();
    for (const response of [json, redirect, defaultRedirect, error, clone]) {
      expect(response).toBeInstanceOf(Response);
      expect(response.webSocket).toBeNull();
      expect(typeof response.waitUntil).toBe("function");
    }
    expect([json.status, json.headers.get("content-type")]).toEqual([201, "application/json"]);
    expect([redirect.status, redirect.headers.get("location")]).toEqual([301, "https://example.com/"]);
    expect(defaultRedirect.status).toBe(302);
    expect([error.status, error.type]).toEqual([0, "error"]);
  });

  it("keeps the body of a clone independent", async () => {
    const original = new Response("shared body");
    const clone = original.clone();
    expect([await original.text(), await clone.text()]).toEqual(["shared body", "shared body"]);
  });

  it("returns Workers Responses from the statics inside the worker", async () => {
    const mf = cores.create({
      modules: true,
      script: jsonWorker(`
        const all = [Response.json(1), Response.redirect("https://example.com/"), Response.error(), new Response("").clone()];
        return all.map((response) => response instanceof Response && typeof response.waitUntil === "function" && "webSocket" in response);
      `),
    });
    expect(await (await mf.dispatchFetch()).json()).toEqual([true, true, true, true]);
  });
});

describe("unreadTextBody", () => {
  it("is the string a Response was made from, until its body is read or locked", async () => {
    const fresh = new Response("Hello World!");
    expect(unreadTextBody(fresh)).toBe("Hello World!");
    expect(await fresh.text()).toBe("Hello World!");
    expect(unreadTextBody(fresh)).toBeUndefined();

    const locked = new Response("x");
    locked.body!.getReader();
    expect(unreadTextBody(locked)).toBeUndefined();
  });

  it("is undefined for other bodies, and the JSON text for Response.json", async () => {
    expect(unreadTextBody(new Response(new Uint8Array([1])))).toBeUndefined();
    expect(unreadTextBody(new Response(null))).toBeUndefined();
    expect(unreadTextBody(new Response("x").clone())).toBeUndefined();
    const json = Response.json({ a: 1 }, { status: 201, headers: { "x-a": "b" } });
    expect(unreadTextBody(json)).toBe('{"a":1}');
    expect([json.status, json.headers.get("content-type"), json.headers.get("x-a")]).toEqual([201, "application/json", "b"]);
  });
});

describe("Request: cf", () => {
  it("keeps cf through clone() and new Request(request)", () => {
    const cf = { country: "NZ", colo: "AKL" };
    const request = new Request("http://localhost/", { cf });
    expect(request.cf).toBe(cf);
    expect(request.clone().cf).toBe(cf);
    expect(request.clone()).toBeInstanceOf(Request);
    expect(new Request(request).cf).toBe(cf);
    expect(new Request(request, { cf: { country: "FR" } }).cf).toEqual({ country: "FR" });
    expect(new Request("http://localhost/").cf).toBeUndefined();
  });

  it("keeps cf through clone() and new Request(request) inside the worker", async () => {
    const mf = cores.create({
      modules: true,
      script: jsonWorker(`return [request.cf, request.clone().cf, new Request(request).cf, new Request(request.url).cf ?? null];`),
    });
    const res = await mf.dispatchFetch("http://localhost/", { cf: { asn: 1 } });
    expect(await res.json()).toEqual([{ asn: 1 }, { asn: 1 }, { asn: 1 }, null]);
  });

  it("accepts a ReadableStream body without duplex", async () => {
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("streamed"));
        controller.close();
      },
    });
    const request = new Request("http://localhost/", { method: "POST", body });
    expect(await request.text()).toBe("streamed");
  });
});

describe("fetch in the worker", () => {
  const origin = useOrigin();

  it("resolves to a Workers Response and accepts a Workers Request", async () => {
    const mf = cores.create({
      modules: true,
      script: jsonWorker(`
        const url = env.ORIGIN + "/fetched";
        const byUrl = await fetch(url, { method: "PUT", body: "sent", cf: { cacheTtl: 5 } });
        const byRequest = await fetch(new Request(url, { headers: { "x-custom": "header" } }));
        return {
          isResponse: [byUrl instanceof Response, byRequest instanceof Response],
          webSocket: byUrl.webSocket,
          status: byUrl.status,
          byUrl: await byUrl.json(),
          custom: (await byRequest.json()).custom,
        };
      `),
      bindings: { ORIGIN: origin.url },
    });
    expect(await (await mf.dispatchFetch()).json()).toEqual({
      isResponse: [true, true],
      webSocket: null,
      status: 203,
      byUrl: { method: "PUT", path: "/fetched", body: "sent", forwarded: null, custom: null },
      custom: "header",
    });
  });
});
