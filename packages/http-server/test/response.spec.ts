import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync, gzipSync } from "node:zlib";
import { fetch, request } from "undici";
import { describe, expect, it } from "vitest";
import { acceptsCoding, parseContentEncoding, planEncoding } from "../src/encoding.js";
import { parseContentLength } from "../src/response.js";
import { closeServer, onCleanup, rawExchange, Reports, useServer } from "./helpers.js";

const RESPONSE_WORKER = `
function slowStream(parts, env) {
  let index = 0;
  return new ReadableStream({
    pull(controller) {
      return new Promise((resolve) => setTimeout(() => {
        if (index < parts.length) controller.enqueue(new TextEncoder().encode(parts[index++]));
        else controller.close();
        resolve();
      }, 1));
    },
  });
}

export default {
  async fetch(request, env) {
    switch (new URL(request.url).pathname) {
      case "/text": return new Response("héllo", { headers: { "X-Custom": "1" } });
      case "/empty": return new Response(null);
      case "/wrong-length": return new Response("abc", { headers: { "Content-Length": "999" } });
      case "/status": return new Response("made", { status: 201, statusText: "Made It" });
      case "/stream": return new Response(slowStream(["one ", "two ", "three"]));
      case "/stream-with-length": return new Response(slowStream(["12345", "67890"]), { headers: { "Content-Length": "10" } });
      case "/cookies": {
        const headers = new Headers();
        headers.append("Set-Cookie", "a=1; Path=/");
        headers.append("Set-Cookie", "b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT; HttpOnly");
        return new Response("cookies", { headers });
      }
      case "/204": return new Response(null, { status: 204, headers: { "X-Gone": "yes" } });
      case "/304": return new Response(null, { status: 304, headers: { ETag: '"abc"' } });
      case "/redirect": return Response.redirect("https://example.com/elsewhere", 302);
      case "/sse": {
        let timer;
        let count = 0;
        const body = new ReadableStream({
          start(controller) {
            timer = setInterval(() => controller.enqueue(new TextEncoder().encode("data: " + count++ + "\\n\\n")), 5);
          },
          cancel() {
            clearInterval(timer);
            env.report("cancelled");
          },
        });
        return new Response(body, { headers: { "Content-Type": "text/event-stream" } });
      }
      case "/gzip": return new Response("compress me ".repeat(100), { headers: { "Content-Encoding": "gzip" } });
      case "/zstd": return new Response("already encoded", { headers: { "Content-Encoding": "zstd" } });
      case "/big": {
        const chunk = new Uint8Array(64 * 1024).fill(7);
        let sent = 0;
        return new Response(new ReadableStream({
          pull(controller) {
            if (sent++ < 128) controller.enqueue(chunk);
            else controller.close();
          },
        }));
      }
      case "/fail-mid-stream": {
        let step = 0;
        return new Response(new ReadableStream({
          pull(controller) {
            if (step++ === 0) return new Promise((resolve) => setTimeout(() => { controller.enqueue(new TextEncoder().encode("partial")); resolve(); }, 1));
            return new Promise((_, reject) => setTimeout(() => reject(new Error("stream broke")), 1));
          },
        }));
      }
      case "/not-bytes": return new Response(new ReadableStream({ start(controller) { controller.enqueue("a string"); controller.close(); } }));
      default: return new Response("not found", { status: 404 });
    }
  },
};
`;

async function serve() {
  const reports = new Reports();
  return { ...(await useServer(RESPONSE_WORKER, { bindings: { report: reports.binding } })), reports };
}

/** A raw GET; resolves to the status line, the header lines (lower-cased names) and the body bytes. */
async function rawGet(port: number, path: string, extra: string[] = [], method = "GET") {
  const raw = await rawExchange(port, [`${method} ${path} HTTP/1.1`, "Host: 127.0.0.1", "Connection: close", ...extra, "", ""].join("\r\n"));
  const split = raw.indexOf("\r\n\r\n");
  const [statusLine = "", ...lines] = raw.slice(0, split).split("\r\n");
  const headers = lines.map((line) => {
    const colon = line.indexOf(":");
    return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()] as const;
  });
  const header = (name: string) => headers.filter(([key]) => key === name).map(([, value]) => value);
  return { statusLine, header, body: Buffer.from(raw.slice(split + 4), "latin1") };
}

describe("response writing: status and headers", () => {
  it("passes status, status text and headers", async () => {
    const { port } = await serve();
    const { statusLine, header, body } = await rawGet(port, "/status");
    expect(statusLine).toBe("HTTP/1.1 201 Made It");
    expect(body.toString()).toBe("made");
    expect(header("content-type")).toEqual(["text/plain;charset=UTF-8"]);
  });

  it("keeps several Set-Cookie headers apart", async () => {
    const { url } = await serve();
    const response = await request(`${url}/cookies`);
    expect(response.headers["set-cookie"]).toEqual(["a=1; Path=/", "b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT; HttpOnly"]);
    await response.body.dump();
  });

  it("sends a header value's chars above 0x7f as single bytes (latin1), whatever the body", async () => {
    const { port } = await useServer(`export default { fetch(request) {
      const body = new URL(request.url).pathname === "/stream" ? new Blob(["x"]).stream() : "x";
      return new Response(body, { headers: { "x-name": "caf\\u00e9" } });
    } };`);
    for (const path of ["/", "/stream"]) {
      // rawExchange reads the bytes as latin1: "é" is the byte 0xE9; as UTF-8 it would read "Ã©".
      const received = await rawExchange(port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(received).toContain("x-name: caf\u00e9\r\n");
    }
  });

  it("does not follow a redirect: the client gets it", async () => {
    const { url } = await serve();
    const response = await fetch(`${url}/redirect`, { redirect: "manual" });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("https://example.com/elsewhere");
  });
});

describe("response writing: Content-Length", () => {
  it("is the body's length in bytes", async () => {
    const { port } = await serve();
    const { header, body } = await rawGet(port, "/text");
    expect(header("content-length")).toEqual(["6"]);
    expect(body.toString()).toBe("héllo");
    expect(header("transfer-encoding")).toEqual([]);
  });

  it("is 0 for a null body", async () => {
    const { port } = await serve();
    const { header, body } = await rawGet(port, "/empty");
    expect(header("content-length")).toEqual(["0"]);
    expect(body.length).toBe(0);
  });

  it("is the real length when the worker's header is wrong and the body is known (miniflare#148)", async () => {
    const { port } = await serve();
    const { header, body } = await rawGet(port, "/wrong-length");
    expect(header("content-length")).toEqual(["3"]);
    expect(body.toString()).toBe("abc");
  });

  it("is absent for a stream of unknown length, which is sent chunked", async () => {
    const { port } = await serve();
    const { header, body } = await rawGet(port, "/stream");
    expect(header("content-length")).toEqual([]);
    expect(header("transfer-encoding")).toEqual(["chunked"]);
    expect(body.toString()).toContain("one ");
    const response = await fetch(`http://127.0.0.1:${port}/stream`);
    expect(await response.text()).toBe("one two three");
  });

  it("is the worker's own for a stream it declared the length of", async () => {
    const { port } = await serve();
    const { header, body } = await rawGet(port, "/stream-with-length");
    expect(header("content-length")).toEqual(["10"]);
    expect(header("transfer-encoding")).toEqual([]);
    expect(body.toString()).toBe("1234567890");
  });

  // A stream whose length is only known as it goes (each part after a timer, so not read ahead).
  const MISMATCH_WORKER = `export default { fetch(request) {
    const parts = new URL(request.url).pathname === "/longer"
      ? ["abc", "HTTP/1.1 200 OK\\r\\nContent-Length: 8\\r\\n\\r\\nSMUGGLED"]
      : ["abc"];
    const encoder = new TextEncoder();
    const body = new ReadableStream({
      async pull(controller) {
        await scheduler.wait(5);
        if (parts.length === 0) controller.close();
        else controller.enqueue(encoder.encode(parts.shift()));
      },
    });
    return new Response(body, { headers: { "content-length": new URL(request.url).pathname === "/longer" ? "3" : "10" } });
  } };`;

  for (const [path, logged] of [
    ["/longer", "The response body is longer than its Content-Length of 3 bytes."],
    ["/shorter", "The response body ended after 3 bytes, short of its Content-Length of 10."],
  ] as const) {
    it(`cuts the connection when a stream turns out ${path.slice(1)} than the declared length, so nothing spills into the next response`, async () => {
      const { port, log } = await useServer(MISMATCH_WORKER);
      // Two requests pipelined on one keep-alive connection: the second must never be answered by
      // bytes of the first body (response splitting) nor lose its start to it.
      const received = await rawExchange(port, `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(received.match(/HTTP\/1\.1 200/g)).toHaveLength(1);
      expect(received).not.toContain("SMUGGLED");
      expect(received.endsWith("abc")).toBe(true); // what fitted was sent; then the connection was cut
      expect(await log.waitFor(logged)).toContain(`GET ${path}: BodyStreamError`);
    });
  }
});

describe("response writing: responses without a body", () => {
  it("sends HEAD responses without a body, with the length a GET would have", async () => {
    const { port } = await serve();
    const { statusLine, header, body } = await rawGet(port, "/text", [], "HEAD");
    expect(statusLine).toBe("HTTP/1.1 200 OK");
    expect(header("content-length")).toEqual(["6"]);
    expect(header("x-custom")).toEqual(["1"]);
    expect(body.length).toBe(0);
  });

  it("sends 204 without a body or length", async () => {
    const { port } = await serve();
    const { statusLine, header, body } = await rawGet(port, "/204");
    expect(statusLine).toBe("HTTP/1.1 204 No Content");
    expect(header("x-gone")).toEqual(["yes"]);
    expect(header("content-length")).toEqual([]);
    expect(header("transfer-encoding")).toEqual([]);
    expect(body.length).toBe(0);
  });

  it("sends 304 without a body", async () => {
    const { port } = await serve();
    const { statusLine, header, body } = await rawGet(port, "/304");
    expect(statusLine).toBe("HTTP/1.1 304 Not Modified");
    expect(header("etag")).toEqual(['"abc"']);
    expect(header("transfer-encoding")).toEqual([]);
    expect(body.length).toBe(0);
  });

  it("keeps the connection usable after bodiless responses", async () => {
    const { url } = await serve();
    for (const path of ["/204", "/304", "/text"]) {
      const response = await fetch(`${url}${path}`);
      await response.arrayBuffer();
    }
    expect(await (await fetch(`${url}/text`, { method: "HEAD" })).text()).toBe("");
  });
});

describe("response writing: streaming", () => {
  it("streams server-sent events as they come, and cancels the stream when the client goes away", async () => {
    const { url, reports } = await serve();
    const controller = new AbortController();
    const response = await fetch(`${url}/sse`, { signal: controller.signal });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const reader = response.body!.getReader();
    let text = "";
    // Bounded: stop after a few events.
    for (let reads = 0; reads < 50 && !text.includes("data: 2"); reads++) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    expect(text).toContain("data: 0\n\ndata: 1\n\n");
    controller.abort();
    expect(await reports.next("cancelled")).toEqual([]);
  });

  it("streams a large body to a client that reads it all", async () => {
    const { url } = await serve();
    const response = await request(`${url}/big`);
    let size = 0;
    for await (const chunk of response.body) {
      size += (chunk as Buffer).byteLength;
      expect((chunk as Buffer)[0]).toBe(7);
    }
    expect(size).toBe(128 * 64 * 1024);
  });

  it("cuts the response and logs the error when the body stream fails midway", async () => {
    const { url, log } = await serve();
    const response = await fetch(`${url}/fail-mid-stream`);
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
    expect(await log.waitFor("[flarelet:err]")).toMatch(/GET \/fail-mid-stream: BodyStreamError: .*stream broke/);
    expect(await (await fetch(`${url}/text`)).text()).toBe("héllo");
  });

  it("answers 500 when the body stream yields something other than bytes", async () => {
    const { url, log } = await serve();
    const response = await fetch(`${url}/not-bytes`);
    expect(response.status).toBe(500);
    expect(await response.text()).toContain("TypeError: Received non-Uint8Array chunk");
    await log.waitFor("GET /not-bytes 500 Internal Server Error");
  });
});

describe("response writing: Content-Encoding", () => {
  it("encodes the body when the client accepts the coding", async () => {
    const { port, url } = await serve();
    const { header, body } = await rawGet(port, "/gzip", ["Accept-Encoding: gzip, br"]);
    expect(header("content-encoding")).toEqual(["gzip"]);
    expect(header("content-length")).toEqual([]);
    expect(gunzipSync(dechunk(body)).toString()).toBe("compress me ".repeat(100));
    expect(await (await fetch(`${url}/gzip`)).text()).toBe("compress me ".repeat(100));
  });

  it("sends the plain body, without Content-Encoding, to a client that does not accept it", async () => {
    const { port } = await serve();
    const { header, body } = await rawGet(port, "/gzip");
    expect(header("content-encoding")).toEqual([]);
    expect(header("content-length")).toEqual(["1200"]);
    expect(body.toString()).toBe("compress me ".repeat(100));
  });

  it("re-encodes a compressed origin's response that the worker returns from fetch()", async () => {
    const origin = http.createServer((_req, res) => {
      res.writeHead(200, { "Content-Encoding": "gzip", "Content-Type": "text/plain" });
      res.end(gzipSync("from the origin ".repeat(50)));
    });
    origin.listen(0, "127.0.0.1");
    await once(origin, "listening");
    onCleanup(() => closeServer(origin));
    const originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}/`;
    const { port } = await useServer(`export default { fetch: () => fetch(${JSON.stringify(originUrl)}) }`);
    const gzipped = await rawGet(port, "/", ["Accept-Encoding: gzip"]);
    expect(gzipped.header("content-encoding")).toEqual(["gzip"]);
    expect(gunzipSync(dechunk(gzipped.body)).toString()).toBe("from the origin ".repeat(50));
    const plain = await rawGet(port, "/");
    expect(plain.header("content-encoding")).toEqual([]);
    expect(plain.header("content-length")).toEqual([]); // the origin's describes the gzip bytes
    expect(dechunk(plain.body).toString()).toBe("from the origin ".repeat(50));
  });

  it("leaves an unknown coding alone", async () => {
    const { port } = await serve();
    const { header, body } = await rawGet(port, "/zstd", ["Accept-Encoding: gzip"]);
    expect(header("content-encoding")).toEqual(["zstd"]);
    expect(body.toString()).toBe("already encoded");
  });

  it.each([
    ["gzip", ["gzip"]],
    ["x-gzip", ["gzip"]],
    ["gzip, br", ["gzip", "br"]],
    ["GZIP", ["gzip"]],
    ["identity", []],
    ["deflate", ["deflate"]],
    ["zstd", undefined],
    ["gzip, zstd", undefined],
  ])("parseContentEncoding(%j)", (header, codings) => {
    expect(parseContentEncoding(header)).toEqual(codings);
  });

  it.each([
    [undefined, "gzip", false],
    ["gzip", "gzip", true],
    ["gzip;q=0", "gzip", false],
    ["br;q=0.5, gzip", "gzip", true],
    ["*", "br", true],
    ["*;q=0, gzip", "br", false],
    ["deflate", "gzip", false],
    ["x-gzip", "gzip", true],
  ] as const)("acceptsCoding(%j, %j) is %s", (accept, coding, accepted) => {
    expect(acceptsCoding(accept, coding)).toBe(accepted);
  });

  it("plans what to do from both headers", () => {
    expect(planEncoding(null, "gzip")).toEqual({ kind: "as-is" });
    expect(planEncoding("gzip", "gzip")).toEqual({ kind: "encode", codings: ["gzip"] });
    expect(planEncoding("gzip, br", "gzip")).toEqual({ kind: "identity" });
    expect(planEncoding("zstd", undefined)).toEqual({ kind: "as-is" });
  });

  it.each([
    [null, undefined],
    ["12", 12],
    [" 7 ", 7],
    ["", undefined],
    ["-1", undefined],
    ["1.5", undefined],
    ["abc", undefined],
    ["99999999999999999999", undefined],
  ])("parseContentLength(%j) is %j", (value, length) => {
    expect(parseContentLength(value)).toBe(length);
  });
});

/** Decodes a chunked HTTP/1.1 body. */
function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  for (let guard = 0; guard < 10_000; guard++) {
    const lineEnd = body.indexOf("\r\n", offset);
    const size = parseInt(body.subarray(offset, lineEnd).toString(), 16);
    if (size === 0) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
