import { PassThrough } from "node:stream";
import { Agent, fetch, request } from "undici";
import { describe, expect, it } from "vitest";
import { clientIp } from "../src/cf.js";
import { isValidHost, NORMALISED_ACCEPT_ENCODING } from "../src/request.js";
import { onCleanup, rawExchange, rawSocket, Reports, useServer } from "./helpers.js";

/** Answers with everything it saw of the request, as JSON. */
const INSPECT_WORKER = `
let previousCf;
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/first-chunk") {
      const { value } = await request.body.getReader().read();
      return new Response("first chunk: " + new TextDecoder().decode(value));
    }
    if (url.pathname === "/ignore-body") return new Response("ignored the body");
    if (url.pathname === "/read-or-report") {
      try {
        await request.text();
      } catch (error) {
        env.report("body-error", String(error));
      }
      return new Response("done");
    }
    if (url.pathname === "/count") {
      let bytes = 0;
      let chunks = 0;
      for await (const chunk of request.body) {
        bytes += chunk.byteLength;
        chunks++;
      }
      return Response.json({ bytes, chunks });
    }
    const cfWasFresh = previousCf === undefined || request.cf !== previousCf;
    const report = {
      url: request.url,
      method: request.method,
      headers: Object.fromEntries(request.headers),
      cf: { ...request.cf },
      cfWasFresh,
      redirect: request.redirect,
      hasBody: request.body !== null,
      body: request.body === null ? null : await request.text(),
    };
    if (request.cf) request.cf.colo = "CHANGED-BY-WORKER";
    previousCf = request.cf;
    return Response.json(report);
  },
};
`;

interface Report {
  url: string;
  method: string;
  headers: Record<string, string>;
  cf: Record<string, unknown>;
  cfWasFresh: boolean;
  redirect: string;
  hasBody: boolean;
  body: string | null;
}

/** Sends `head` (request line and headers, without the final blank line) and parses the JSON answer. */
async function rawReport(port: number, head: string, body = ""): Promise<{ status: number; report: Report | undefined; raw: string }> {
  // An interim "100 Continue" (for Expect: 100-continue) comes first; the answer is what follows.
  const raw = (await rawExchange(port, `${head}\r\nConnection: close\r\n\r\n${body}`)).replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, "");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(raw)?.[1]);
  const payload = raw.slice(raw.indexOf("\r\n\r\n") + 4);
  return { status, report: status === 200 ? (JSON.parse(Buffer.from(payload, "latin1").toString()) as Report) : undefined, raw };
}

async function inspect(init?: Parameters<typeof fetch>[1], path = "/inspect"): Promise<Report> {
  const { url } = await useServer(INSPECT_WORKER);
  const response = await fetch(`${url}${path}`, init);
  expect(response.status).toBe(200);
  return (await response.json()) as Report;
}

describe("request conversion: URL", () => {
  it("builds the URL from the Host header and the request target", async () => {
    const { port } = await useServer(INSPECT_WORKER);
    const { report } = await rawReport(port, "GET /path/to?q=1&r=%20 HTTP/1.1\r\nHost: example.com:1234");
    expect(report?.url).toBe("http://example.com:1234/path/to?q=1&r=%20");
  });

  it("keeps a path that starts with // as a path", async () => {
    const { port } = await useServer(INSPECT_WORKER);
    const { report } = await rawReport(port, "GET //evil.test/x HTTP/1.1\r\nHost: example.com");
    expect(report?.url).toBe("http://example.com//evil.test/x");
  });

  it("takes an absolute-form target as is", async () => {
    const { port } = await useServer(INSPECT_WORKER);
    const { report } = await rawReport(port, "GET http://other.test/abs?x=1 HTTP/1.1\r\nHost: example.com");
    expect(report?.url).toBe("http://other.test/abs?x=1");
  });

  it("uses the address the client connected to when there is no Host (HTTP/1.0)", async () => {
    const { port } = await useServer(INSPECT_WORKER);
    const { report } = await rawReport(port, "GET /old HTTP/1.0");
    expect(report?.url).toBe(`http://127.0.0.1:${port}/old`);
    expect(report?.cf.httpProtocol).toBe("HTTP/1.0");
  });

  it("answers 400 to an invalid Host, and goes on serving", async () => {
    const { port, url, log } = await useServer(INSPECT_WORKER);
    const { status, raw } = await rawReport(port, "GET / HTTP/1.1\r\nHost: bad host/with slash");
    expect(status).toBe(400);
    expect(raw).toContain("Invalid Host header");
    await log.waitFor("GET / 400 Bad Request");
    expect((await fetch(url)).status).toBe(200);
  });

  it("tells the worker redirects are not followed", async () => {
    expect((await inspect()).redirect).toBe("manual");
  });
});

describe("request conversion: headers", () => {
  it("passes multi-value headers joined, and cookies joined with '; '", async () => {
    const { port } = await useServer(INSPECT_WORKER);
    const { report } = await rawReport(port, "GET / HTTP/1.1\r\nHost: x\r\nX-Multi: a\r\nX-Multi: b\r\nCookie: a=1\r\nCookie: b=2");
    expect(report?.headers["x-multi"]).toBe("a, b");
    expect(report?.headers.cookie).toBe("a=1; b=2");
  });

  it("adds the headers Cloudflare's edge adds", async () => {
    const { headers } = await inspect();
    expect(headers["cf-connecting-ip"]).toBe("127.0.0.1");
    expect(headers["x-real-ip"]).toBe("127.0.0.1");
    expect(headers["x-forwarded-proto"]).toBe("http");
    expect(headers["cf-ray"]).toMatch(/^[0-9a-f]{16}$/);
    expect(headers["cf-ipcountry"]).toBe("US");
    expect(headers["cf-visitor"]).toBe('{"scheme":"http"}');
  });

  it("gives every request its own CF-Ray", async () => {
    const { url } = await useServer(INSPECT_WORKER);
    const rays = new Set<string>();
    for (let index = 0; index < 3; index++) {
      rays.add(((await (await fetch(url)).json()) as Report).headers["cf-ray"]!);
    }
    expect(rays.size).toBe(3);
  });

  it("keeps CF headers the client sent", async () => {
    const { headers } = await inspect({ headers: { "CF-Connecting-IP": "203.0.113.7", "CF-IPCountry": "GB", "CF-Ray": "0123456789abcdef" } });
    expect(headers["cf-connecting-ip"]).toBe("203.0.113.7");
    expect(headers["cf-ipcountry"]).toBe("GB");
    expect(headers["cf-ray"]).toBe("0123456789abcdef");
    expect(headers["x-real-ip"]).toBe("127.0.0.1");
  });

  it("strips hop-by-hop headers, and Upgrade on a request that is not an upgrade", async () => {
    const { port } = await useServer(INSPECT_WORKER);
    const { report } = await rawReport(
      port,
      "POST / HTTP/1.1\r\nHost: x\r\nKeep-Alive: timeout=5\r\nUpgrade: websocket\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\nX-Kept: yes",
      "5\r\nhello\r\n0\r\n\r\n",
    );
    expect(report?.headers["x-kept"]).toBe("yes");
    for (const name of ["connection", "keep-alive", "transfer-encoding", "upgrade", "expect"]) {
      expect(report?.headers[name], name).toBeUndefined();
    }
    expect(report?.body).toBe("hello");
  });

  it("normalises Accept-Encoding and keeps the client's in cf.clientAcceptEncoding", async () => {
    const { headers, cf } = await inspect({ headers: { "Accept-Encoding": "gzip, deflate, br, zstd" } });
    expect(headers["accept-encoding"]).toBe(NORMALISED_ACCEPT_ENCODING);
    expect(cf.clientAcceptEncoding).toBe("gzip, deflate, br, zstd");
  });
});

describe("request conversion: request.cf", () => {
  it("is a local placeholder with the fields workers read", async () => {
    const { cf } = await inspect();
    expect(cf).toMatchObject({
      colo: "DFW",
      country: "US",
      city: "Austin",
      continent: "NA",
      timezone: "America/Chicago",
      httpProtocol: "HTTP/1.1",
    });
    expect(typeof cf.asn).toBe("number");
    expect(cf.tlsVersion).toBeUndefined(); // plain HTTP
  });

  it("is a fresh object for every request", async () => {
    const { url } = await useServer(INSPECT_WORKER);
    await fetch(url);
    const second = (await (await fetch(url)).json()) as Report;
    expect(second.cfWasFresh).toBe(true);
    expect(second.cf.colo).toBe("DFW");
  });
});

describe("request conversion: body", () => {
  it("passes a request body", async () => {
    const report = await inspect({ method: "POST", body: "hello, wörld" });
    expect(report).toMatchObject({ method: "POST", hasBody: true, body: "hello, wörld" });
  });

  it("gives GET and HEAD no body, nor a POST without one", async () => {
    const { url } = await useServer(INSPECT_WORKER);
    expect(((await (await fetch(url)).json()) as Report).hasBody).toBe(false);
    expect(((await (await fetch(url, { method: "POST" })).json()) as Report).hasBody).toBe(false);
    const head = await fetch(url, { method: "HEAD" });
    expect(head.status).toBe(200);
  });

  it("streams the body: the worker reads the first chunk before the client has sent the rest", async () => {
    const { url } = await useServer(INSPECT_WORKER);
    const body = new PassThrough();
    body.write("first");
    // The request is still open (no end() yet) when the response arrives.
    const response = await request(`${url}/first-chunk`, { method: "POST", body });
    expect(await response.body.text()).toBe("first chunk: first");
    body.end("the rest");
  });

  it("streams a large body in many chunks", async () => {
    const { url } = await useServer(INSPECT_WORKER);
    const size = 8 * 1024 * 1024;
    const response = await request(`${url}/count`, { method: "PUT", body: Buffer.alloc(size, 1) });
    const { bytes, chunks } = (await response.body.json()) as { bytes: number; chunks: number };
    expect(bytes).toBe(size);
    expect(chunks).toBeGreaterThan(1);
  });
});

describe("request conversion: unread and broken bodies", () => {
  it("discards a body the worker did not read, keeping the connection usable", async () => {
    const { url } = await useServer(INSPECT_WORKER);
    const agent = new Agent({ connections: 1 }); // both requests on one connection
    onCleanup(() => agent.close());
    const first = await request(`${url}/ignore-body`, { method: "POST", body: Buffer.alloc(4 * 1024 * 1024, 1), dispatcher: agent });
    expect(await first.body.text()).toBe("ignored the body");
    const second = await request(`${url}/ignore-body`, { dispatcher: agent });
    expect(await second.body.text()).toBe("ignored the body");
  });

  it("fails the worker's read when the client leaves mid-upload", async () => {
    const reports = new Reports();
    const { port } = await useServer(INSPECT_WORKER, { bindings: { report: reports.binding } });
    const socket = await rawSocket(port);
    socket.write("POST /read-or-report HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nonly ten b");
    socket.destroy();
    const [message] = await reports.next("body-error");
    expect(message).toMatch(/aborted|closed the connection/);
  });
});

describe("request.signal (enable_request_signal)", () => {
  // Streams until the client leaves; reports what request.signal saw.
  const SIGNAL_WORKER = `export default {
    fetch(request, env) {
      request.signal.addEventListener("abort", () => {
        env.report("aborted", request.signal.reason.name, request.signal.reason.message);
        if (new URL(request.url).pathname === "/throwing") throw new Error("abort listener failed");
      });
      if (new URL(request.url).pathname === "/complete") return new Response("complete");
      const body = new ReadableStream({
        async pull(controller) {
          await scheduler.wait(5);
          controller.enqueue(new TextEncoder().encode("tick\\n"));
        },
      });
      return new Response(body);
    },
  };`;

  async function leaveMidStream(port: number, path: string): Promise<void> {
    const socket = await rawSocket(port);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
    await new Promise((resolve) => socket.once("data", resolve));
    socket.destroy();
  }

  it("aborts with workerd's reason when the client leaves before the response is complete", async () => {
    const reports = new Reports();
    const { port } = await useServer(SIGNAL_WORKER, {
      bindings: { report: reports.binding },
      core: { compatibilityFlags: ["enable_request_signal"] },
    });
    await leaveMidStream(port, "/stream");
    expect(await reports.next("aborted")).toEqual(["AbortError", "The client has disconnected"]);
  });

  it("a listener that throws is logged, and the server keeps serving", async () => {
    const reports = new Reports();
    const { port, log, url } = await useServer(SIGNAL_WORKER, {
      bindings: { report: reports.binding },
      core: { compatibilityFlags: ["enable_request_signal"] },
    });
    await leaveMidStream(port, "/throwing");
    expect(await log.waitFor("request.signal")).toMatch(
      /^\[flarelet:err\] GET \/throwing: Uncaught exception in a request.signal "abort" listener: Error: abort listener failed\n/,
    );
    expect(await (await fetch(`${url}/complete`)).text()).toBe("complete");
  });

  it("does not abort after a complete response, nor ever without the flag", async () => {
    // Reports, when the client leaves (the stream's cancel()), whether request.signal had aborted, and
    // whether the signal of the last complete request has.
    const worker = `let lastComplete;
    export default {
      fetch(request, env) {
        if (new URL(request.url).pathname === "/complete") {
          lastComplete = request.signal;
          return new Response("complete");
        }
        return new Response(new ReadableStream({
          async pull(controller) { await scheduler.wait(5); controller.enqueue(new TextEncoder().encode("tick\\n")); },
          cancel() { env.report("cancelled", request.signal.aborted, lastComplete?.aborted ?? null); },
        }));
      },
    };`;
    const reports = new Reports();
    const flagged = await useServer(worker, { bindings: { report: reports.binding }, core: { compatibilityFlags: ["enable_request_signal"] } });
    expect(await (await fetch(`${flagged.url}/complete`)).text()).toBe("complete");
    await leaveMidStream(flagged.port, "/stream");
    expect(await reports.next("cancelled")).toEqual([true, false]);
    const plain = await useServer(worker, { bindings: { report: reports.binding } });
    await leaveMidStream(plain.port, "/stream");
    expect(await reports.next("cancelled")).toEqual([false, null]);
  });
});

describe("request helpers", () => {
  it.each([
    ["example.com", true],
    ["example.com:8787", true],
    ["127.0.0.1:80", true],
    ["[::1]:8787", true],
    ["[::1]", true],
    ["xn--bcher-kva.example", true],
    ["", false],
    ["a b", false],
    ["a/b", false],
    ["a@b", false],
    ["a?b", false],
    ["example.com:123456", false],
    ["[::1", false],
  ])("isValidHost(%j) is %s", (host, valid) => {
    expect(isValidHost(host)).toBe(valid);
  });

  it.each([
    [undefined, "127.0.0.1"],
    ["::1", "127.0.0.1"],
    ["::ffff:192.0.2.1", "192.0.2.1"],
    ["2001:db8::1", "2001:db8::1"],
    ["203.0.113.9", "203.0.113.9"],
  ])("clientIp(%j) is %j", (address, ip) => {
    expect(clientIp(address)).toBe(ip);
  });
});
