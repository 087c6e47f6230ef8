import { fetch } from "undici";
import { describe, expect, it } from "vitest";
import { checkHandshake, isValidProtocolHeader, isValidWebSocketKey } from "../src/handshake.js";
import { clientErrorStatus } from "../src/server.js";
import { connect, ECHO_WORKER, nextMessage, rawExchange, rawSocket, upgradeRequest, useServer } from "./helpers.js";

const WORKER = `
${ECHO_WORKER.replace("export default {", "const echo = {")}
export default {
  fetch(request) {
    if (request.headers.get("upgrade") === "websocket") return echo.fetch(request);
    return new Response("fine");
  },
};
`;

/**
 * Sends raw bytes to a fresh server that also has an open WebSocket, and checks afterwards that the
 * server and that other connection are unaffected.
 */
async function exchange(data: string): Promise<string> {
  const { port, url, wsUrl, log } = await useServer(WORKER);
  const bystander = await connect(wsUrl);
  const answer = await rawExchange(port, data); // resolves once the server closed the connection
  expect(await (await fetch(url)).text()).toBe("fine");
  bystander.send("still connected");
  expect((await nextMessage(bystander)).data).toBe("still connected");
  expect(log.errors).toEqual([]);
  return answer;
}

describe("malformed HTTP", () => {
  it("answers 400 to a garbage request line and closes the connection", async () => {
    expect(await exchange("THIS IS NOT HTTP\r\n\r\n")).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
  });

  it("answers 400 to an invalid header line", async () => {
    expect(await exchange("GET / HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n")).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
  });

  it("answers 400 to an invalid chunked body", async () => {
    const answer = await exchange("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nnot-hex\r\n");
    expect(answer).toMatch(/HTTP\/1\.1 400 Bad Request\r\n/);
  });

  it("answers 431 to oversized headers", async () => {
    const answer = await exchange(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20 * 1024)}\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
  });

  it("answers 400 to an upgrade without Sec-WebSocket-Key", async () => {
    const answer = await exchange(upgradeRequest("/", [], { key: null }));
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toContain("Missing Sec-WebSocket-Key");
  });

  it("answers 400 to an upgrade with an invalid Sec-WebSocket-Key", async () => {
    const answer = await exchange(upgradeRequest("/", [], { key: "too-short" }));
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toContain("Invalid Sec-WebSocket-Key");
  });

  it("answers 400 to an upgrade without Sec-WebSocket-Version, naming the supported one", async () => {
    const answer = await exchange(upgradeRequest("/", [], { version: null }));
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toContain("\r\nSec-WebSocket-Version: 13\r\n");
    expect(answer).toContain("The requested WebSocket version is not supported.");
  });

  it("answers 400 to an upgrade with an unsupported Sec-WebSocket-Version", async () => {
    expect(await exchange(upgradeRequest("/", [], { version: "8" }))).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
  });

  it("answers 400 to an upgrade that is not a GET", async () => {
    const answer = await exchange(upgradeRequest("/", [], { method: "POST" }));
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toContain("WebSocket must be initiated with a GET request.");
  });

  it("answers 400 to an upgrade with an invalid Sec-WebSocket-Protocol", async () => {
    expect(await exchange(upgradeRequest("/", ["Sec-WebSocket-Protocol: a, a"]))).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
  });

  it("does not dispatch a refused handshake to the worker", async () => {
    const { port, log } = await useServer(`export default { fetch() { throw new Error("must not run"); } }`);
    await rawExchange(port, upgradeRequest("/", [], { key: null }));
    await log.waitFor("GET / 400 Bad Request");
    expect(log.errors).toEqual([]);
  });

  it("survives a client that resets the connection mid-request", async () => {
    const { port, url } = await useServer(WORKER);
    const socket = await rawSocket(port);
    socket.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\npartial");
    socket.resetAndDestroy();
    expect(await (await fetch(url)).text()).toBe("fine");
  });
});

describe("handshake rules", () => {
  it.each([
    ["dGhlIHNhbXBsZSBub25jZQ==", true],
    ["AAAAAAAAAAAAAAAAAAAAAA==", true],
    [undefined, false],
    ["", false],
    ["dGhlIHNhbXBsZSBub25jZQ", false],
    ["dGhlIHNhbXBsZSBub25jZQ=", false],
    ["dGhlIHNhbXBsZSBub25jZQ===", false],
    ["dGhlIHNhbXBsZSBub25jZ!==", false],
  ])("isValidWebSocketKey(%j) is %s", (key, valid) => {
    expect(isValidWebSocketKey(key)).toBe(valid);
  });

  it.each([
    ["chat", true],
    ["chat, superchat", true],
    ["a,b", true],
    ["", false],
    ["a, a", false],
    ["a b", false],
    ["a, ", false],
    ["a;b", false],
  ])("isValidProtocolHeader(%j) is %s", (header, valid) => {
    expect(isValidProtocolHeader(header)).toBe(valid);
  });

  it("checks method, version, key and protocols, in that order", () => {
    const good = { "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==" };
    expect(checkHandshake("GET", good)).toBeUndefined();
    expect(checkHandshake("POST", {})?.message).toBe("WebSocket must be initiated with a GET request.");
    expect(checkHandshake("GET", { "sec-websocket-key": good["sec-websocket-key"] })).toEqual({
      status: 400,
      message: "The requested WebSocket version is not supported.",
      headers: { "Sec-WebSocket-Version": "13" },
    });
    expect(checkHandshake("GET", { "sec-websocket-version": "13" })).toEqual({ status: 400, message: "Missing Sec-WebSocket-Key" });
    expect(checkHandshake("GET", { ...good, "sec-websocket-protocol": "x y" })?.status).toBe(400);
  });

  it.each([
    ["HPE_HEADER_OVERFLOW", 431],
    ["HPE_CHUNK_EXTENSIONS_OVERFLOW", 413],
    ["ERR_HTTP_REQUEST_TIMEOUT", 408],
    ["HPE_INVALID_METHOD", 400],
    [undefined, 400],
  ])("clientErrorStatus(%j) is %i", (code, status) => {
    expect(clientErrorStatus(code)).toBe(status);
  });
});
