import { MiniflareCore } from "@flarelet/core";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { fetch } from "undici";
import { describe, expect, it } from "vitest";
import { createServer, DEFAULT_HOST, DEFAULT_PORT, httpServerPlugin, startServer, type HttpServerOptions } from "../src/index.js";
import { closeServer, onCleanup, RecordingLog } from "./helpers.js";

const HELLO = `export default { fetch: () => new Response("hello") }`;

function instance(plugins = [httpServerPlugin({ port: 0 })]) {
  const log = new RecordingLog();
  const mf = new MiniflareCore({ modules: true, script: HELLO, plugins, log });
  onCleanup(() => mf.dispose());
  return { mf, log };
}

function track<T extends import("node:http").Server>(server: T): T {
  onCleanup(() => closeServer(server));
  return server;
}

describe("httpServerPlugin", () => {
  it("is a plain plugin object named http-server, with defaults filled in", () => {
    const plugin = httpServerPlugin();
    expect(plugin.name).toBe("http-server");
    expect(plugin.options).toEqual({ port: DEFAULT_PORT, host: DEFAULT_HOST, https: undefined });
    expect(DEFAULT_PORT).toBe(8787);
    expect(DEFAULT_HOST).toBe("127.0.0.1");
  });

  it("keeps the options given", () => {
    const options = httpServerPlugin({ port: 0, host: "::1", https: { key: "k.pem", cert: "c.pem" } }).options;
    expect(options).toEqual({ port: 0, host: "::1", https: { key: "k.pem", cert: "c.pem" } });
    expect(Object.isFrozen(options)).toBe(true);
  });

  it.each([
    [{ port: -1 }, "port must be an integer from 0 to 65535, got -1."],
    [{ port: 65536 }, "port must be an integer from 0 to 65535, got 65536."],
    [{ port: 1.5 }, "port must be an integer from 0 to 65535, got 1.5."],
    [{ port: "8787" }, 'port must be an integer from 0 to 65535, got "8787".'],
    [{ host: "" }, 'host must be a non-empty string, got "".'],
    [{ host: 127 }, "host must be a non-empty string, got 127."],
    [{ https: true }, "https must be an object { key, cert }, got true."],
    [{ https: { key: "k.pem" } }, "https.cert must be a file path or PEM text, got undefined."],
    [{ https: { key: "k", cert: "c", ca: "x" } }, 'Unknown https option "ca". Known options: key, cert.'],
    [{ prot: 1 }, 'Unknown option "prot". Known options: port, host, https.'],
  ])("refuses %j", (options, message) => {
    expect(() => httpServerPlugin(options as HttpServerOptions)).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_OPTION", message: `[plugin http-server] ${message}` }),
    );
  });
});

describe("createServer", () => {
  it("makes a server that is not listening yet", async () => {
    const { mf } = instance();
    const server = track(await createServer(mf));
    expect(server.listening).toBe(false);
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe("hello");
  });

  it("works without the plugin registered", async () => {
    const { mf } = instance([]);
    const server = track(await startServer(mf, { port: 0 }));
    const { port, address } = server.address() as AddressInfo;
    expect(address).toBe("127.0.0.1");
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe("hello");
  });

  it("passes other options on to node:http", async () => {
    const { mf } = instance();
    const server = track(await createServer(mf, { maxHeaderSize: 1024 }));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/`, { headers: { "X-Big": "a".repeat(2048) } });
    expect(response.status).toBe(431);
  });
});

describe("startServer", () => {
  it("listens where the plugin says, resolves once listening, and logs the URL", async () => {
    const { mf, log } = instance([httpServerPlugin({ port: 0, host: "127.0.0.1" })]);
    const server = track(await startServer(mf));
    expect(server.listening).toBe(true);
    const { port } = server.address() as AddressInfo;
    expect(log.lines).toContain(`[flarelet:inf] Listening on http://127.0.0.1:${port}`);
  });

  it("lets the call's options override the plugin's", async () => {
    // Port 1 would need privileges: the override must win.
    const { mf } = instance([httpServerPlugin({ port: 1 })]);
    const server = track(await startServer(mf, { port: 0 }));
    expect((server.address() as AddressInfo).port).not.toBe(1);
  });

  it("rejects when the port is taken", async () => {
    const { mf } = instance();
    const first = track(await startServer(mf));
    const { port } = first.address() as AddressInfo;
    await expect(startServer(mf, { port })).rejects.toMatchObject({ code: "EADDRINUSE" });
  });

  it("refuses invalid call options", async () => {
    const { mf } = instance();
    await expect(startServer(mf, { port: 70000 })).rejects.toMatchObject({ code: "ERR_INVALID_OPTION" });
  });
});
