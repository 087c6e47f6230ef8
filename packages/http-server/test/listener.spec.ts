import { Log } from "@flarelet/core";
import { fetch } from "undici";
import { describe, expect, it } from "vitest";
import { escapeHtml, wantsHtml } from "../src/error-page.js";
import { WEBSOCKET_WITHOUT_UPGRADE } from "../src/index.js";
import { formatRequestLine, statusColour } from "../src/log.js";
import { useServer } from "./helpers.js";

const WORKER = `
export default {
  async fetch(request) {
    switch (new URL(request.url).pathname) {
      case "/boom": throw new Error("boom <b>&</b> 'quoted'");
      case "/not-a-response": return "just a string";
      case "/websocket": {
        const [client, server] = Object.values(new WebSocketPair());
        server.accept();
        return new Response(null, { status: 101, webSocket: client });
      }
      case "/redirect": return Response.redirect("http://example.com/", 302);
      case "/missing": return new Response("no", { status: 404 });
      default: return new Response("ok");
    }
  },
};
`;

describe("errors", () => {
  it("answers 500 with the stack in plain text, and logs the error with the request line", async () => {
    const { url, log } = await useServer(WORKER);
    const response = await fetch(`${url}/boom?x=1`);
    expect(response.status).toBe(500);
    expect(response.headers.get("content-type")).toBe("text/plain; charset=UTF-8");
    const text = await response.text();
    expect(text).toMatch(/^Error: boom <b>&<\/b> 'quoted'\n\s+at /);
    const logged = await log.waitFor("[flarelet:err]");
    expect(logged).toMatch(/^\[flarelet:err\] GET \/boom\?x=1: Error: boom <b>&<\/b> 'quoted'\n\s+at /);
    expect(await log.waitFor("GET /boom?x=1 500")).toMatch(/^GET \/boom\?x=1 500 Internal Server Error \(\d+\.\d+ms\)$/);
  });

  it("gives browsers an HTML page with the stack and the request, everything escaped", async () => {
    const { url } = await useServer(WORKER);
    const response = await fetch(`${url}/boom?q=<x>`, {
      headers: { Accept: "text/html,application/xhtml+xml,*/*;q=0.8", "X-Probe": "<script>alert(1)</script>" },
    });
    expect(response.status).toBe(500);
    expect(response.headers.get("content-type")).toBe("text/html; charset=UTF-8");
    const html = await response.text();
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain("Error: boom &lt;b&gt;&amp;&lt;/b&gt; &#39;quoted&#39;");
    expect(html).toContain("    at "); // the stack
    expect(html).toContain("<td>GET</td>");
    expect(html).toContain(`<td>${url}/boom?q=%3Cx%3E</td>`);
    expect(html).toContain("<th>cf-ray</th>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).not.toContain("<script>");
  });

  it("goes on serving after an error", async () => {
    const { url } = await useServer(WORKER);
    expect((await fetch(`${url}/boom`)).status).toBe(500);
    expect(await (await fetch(`${url}/`)).text()).toBe("ok");
  });

  it("answers 500 when the handler returns something that is not a Response", async () => {
    const { url, log } = await useServer(WORKER);
    const response = await fetch(`${url}/not-a-response`);
    expect(response.status).toBe(500);
    expect(await response.text()).toContain("Incorrect type for Promise: the Promise did not resolve to 'Response'.");
    await log.waitFor("GET /not-a-response: ");
  });

  it("answers 500 with the runtime's error to a WebSocket response for a request without Upgrade: websocket", async () => {
    const { url, log } = await useServer(WORKER);
    const response = await fetch(`${url}/websocket`);
    expect(response.status).toBe(500);
    expect(await response.text()).toContain(`TypeError: ${WEBSOCKET_WITHOUT_UPGRADE}`);
    expect(await log.waitFor("[flarelet:err]")).toContain(
      'GET /websocket: TypeError: Worker tried to return a WebSocket in a response to a request which did not contain the header "Upgrade: websocket".',
    );
  });

  it.each([
    ["text/html", true],
    ["TEXT/HTML; q=0.9", true],
    ["application/json", false],
    ["*/*", false],
    [undefined, false],
  ])("wantsHtml(%j) is %s", (accept, html) => {
    expect(wantsHtml(accept)).toBe(html);
  });

  it("escapes every HTML-significant character", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  });
});

describe("request log", () => {
  it("logs one line per request: method, path, status, time", async () => {
    const { url, log } = await useServer(WORKER);
    await (await fetch(`${url}/a?b=c`)).text();
    await (await fetch(`${url}/missing`)).text();
    await (await fetch(`${url}/redirect`, { redirect: "manual" })).text();
    await log.waitFor("GET /redirect");
    const lines = log.lines.filter((line) => !line.startsWith("[flarelet:"));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^GET \/a\?b=c 200 OK \(\d+\.\d+ms\)$/);
    expect(lines[1]).toMatch(/^GET \/missing 404 Not Found \(\d+\.\d+ms\)$/);
    expect(lines[2]).toMatch(/^GET \/redirect 302 Found \(\d+\.\d+ms\)$/);
  });

  it("colours the status by class when colour is on", async () => {
    const { url, log } = await useServer(WORKER, { colour: true });
    await (await fetch(`${url}/`)).text();
    await (await fetch(`${url}/missing`)).text();
    await (await fetch(`${url}/boom`)).text();
    const green = await log.waitFor("200 OK");
    expect(green).toContain("\x1b[32m200 OK\x1b[39m");
    expect(green).toContain("\x1b[1mGET\x1b[22m");
    expect(await log.waitFor("404 Not Found")).toContain("\x1b[33m404 Not Found\x1b[39m");
    expect(await log.waitFor("500 Internal Server Error")).toContain("\x1b[31m500 Internal Server Error\x1b[39m");
  });

  it.each([
    [101, "green"],
    [200, "green"],
    [302, "cyan"],
    [404, "yellow"],
    [500, "red"],
  ] as const)("statusColour(%i) is %s", (status, colour) => {
    expect(statusColour(status)).toBe(colour);
  });

  it("formats a line plainly when colour is off", () => {
    const log = new Log(undefined, { colour: false, write: () => {} });
    expect(formatRequestLine(log, "POST", "/x", 201, performance.now())).toMatch(/^POST \/x 201 Created \(\d+\.\d{2}ms\)$/);
    expect(formatRequestLine(log, "GET", "/", 299, performance.now())).toMatch(/^GET \/ 299 \(/);
  });
});
