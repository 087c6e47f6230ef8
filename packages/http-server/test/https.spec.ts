import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Agent, fetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MiniflareCore, NoOpLog } from "@flarelet/core";
import { createServer, httpServerPlugin } from "../src/index.js";
import { isPem } from "../src/https.js";
import { connect, ECHO_WORKER, nextMessage, onCleanup, useServer } from "./helpers.js";

/**
 * A self-signed certificate made at test time with the `openssl` command. Where it is missing, the
 * HTTPS tests are skipped (with the reason in their title); nothing is checked into the repository.
 */
let certDir: string | undefined;
let keyPath = "";
let certPath = "";
let opensslMissing: string | undefined;

beforeAll(async () => {
  certDir = await mkdtemp(path.join(tmpdir(), "flarelet-https-"));
  keyPath = path.join(certDir, "key.pem");
  certPath = path.join(certDir, "cert.pem");
  try {
    await promisify(execFile)("openssl", [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyPath, "-out", certPath, "-days", "1", "-subj", "/CN=localhost",
    ]);
  } catch (error) {
    opensslMissing = (error as Error).message;
  }
}, 60_000);

afterAll(async () => {
  if (certDir !== undefined) await rm(certDir, { recursive: true, force: true });
});

const WORKER = `
${ECHO_WORKER.replace("export default {", "const echo = {")}
export default {
  fetch(request) {
    if (request.headers.get("upgrade") === "websocket") return echo.fetch(request);
    return Response.json({ url: request.url, headers: Object.fromEntries(request.headers), cf: request.cf });
  },
};
`;

/** Trusts the self-signed certificate for one test. */
function insecureAgent(): Agent {
  const agent = new Agent({ connect: { rejectUnauthorized: false } });
  onCleanup(() => agent.close());
  return agent;
}

function skipWithoutOpenssl(): boolean {
  if (opensslMissing === undefined) return false;
  console.warn(`Skipping an HTTPS test: the openssl command could not make a certificate (${opensslMissing}).`);
  return true;
}

describe("HTTPS", () => {
  it("serves HTTPS with a key and certificate given as file paths", async (context) => {
    if (skipWithoutOpenssl()) return context.skip();
    const { url, log } = await useServer(WORKER, { http: { https: { key: keyPath, cert: certPath } } });
    expect(url).toMatch(/^https:/);
    expect(await log.waitFor("Listening on")).toBe(`[flarelet:inf] Listening on ${url}`);
    const response = await fetch(`${url}/secure?x=1`, { dispatcher: insecureAgent() });
    const report = (await response.json()) as { url: string; headers: Record<string, string>; cf: Record<string, unknown> };
    expect(report.url).toBe(`${url}/secure?x=1`);
    expect(report.headers["x-forwarded-proto"]).toBe("https");
    expect(report.headers["cf-visitor"]).toBe('{"scheme":"https"}');
    expect(report.cf.tlsVersion).toMatch(/^TLSv1\.[23]$/);
    expect(typeof report.cf.tlsCipher).toBe("string");
  });

  it("serves WSS: the echo worker over TLS", async (context) => {
    if (skipWithoutOpenssl()) return context.skip();
    const { wsUrl } = await useServer(WORKER, { http: { https: { key: keyPath, cert: certPath } } });
    expect(wsUrl).toMatch(/^wss:/);
    const ws = await connect(wsUrl, undefined, { rejectUnauthorized: false });
    ws.send("over tls");
    expect((await nextMessage(ws)).data).toBe("over tls");
  });

  it("takes the key and certificate as PEM text", async (context) => {
    if (skipWithoutOpenssl()) return context.skip();
    const [key, cert] = await Promise.all([readFile(keyPath, "utf8"), readFile(certPath, "utf8")]);
    expect(isPem(key) && isPem(cert)).toBe(true);
    const { url } = await useServer(WORKER, { http: { https: { key, cert } } });
    const response = await fetch(url, { dispatcher: insecureAgent() });
    expect(response.status).toBe(200);
  });

  it("refuses a certificate file that cannot be read, naming it", async () => {
    const mf = new MiniflareCore({
      modules: true,
      script: WORKER,
      plugins: [httpServerPlugin({ https: { key: "/no/such/key.pem", cert: "/no/such/cert.pem" } })],
      log: new NoOpLog(),
    });
    onCleanup(() => mf.dispose());
    await expect(createServer(mf)).rejects.toMatchObject({
      code: "ERR_INVALID_OPTION",
      message: expect.stringContaining("Cannot read https.key from /no/such/key.pem"),
    });
  });

  it("tells PEM text from a path", () => {
    expect(isPem("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")).toBe(true);
    expect(isPem("./certs/cert.pem")).toBe(false);
  });
});
