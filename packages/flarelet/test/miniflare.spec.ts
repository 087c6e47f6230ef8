/**
 * `Miniflare` in-process (sources, through the "@flarelet/source" condition): the seed page's examples,
 * servers, configuration, setOptions and watch.
 */
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import {
  FlareletError,
  Log,
  LogLevel,
  Miniflare,
  NoOpLog,
  ReloadEvent,
  Response,
  WebSocket,
  definePlugin,
  type MiniflareOptions,
} from "../src/index.js";
import { httpServerPluginOf } from "@flarelet/http-server";
import { maxMessageSizeOf } from "@flarelet/web-sockets";
import { connect, ECHO_WORKER, onCleanup, useTempDir, withTimeout } from "./helpers.js";

const tmp = useTempDir();

/** A Miniflare disposed after the test, logging nothing unless given a log. */
function create(options: MiniflareOptions): Miniflare {
  const mf = new Miniflare({ log: new NoOpLog(), ...options });
  onCleanup(() => mf.dispose());
  return mf;
}

function captureLog(): { log: Log; lines: string[] } {
  const lines: string[] = [];
  return { log: new Log(LogLevel.DEBUG, { write: (line) => lines.push(line), colour: false }), lines };
}

describe("Miniflare: the seed page's examples", () => {
  it("dispatchFetch hands over the echo worker's WebSocket; the listener logs Hello!", async () => {
    // As on the seed page, with console.log captured.
    const logged: unknown[] = [];
    const mf = create({ modules: true, scriptPath: ECHO_WORKER });
    const res = await mf.dispatchFetch();
    const webSocket = res.webSocket!;
    expect(webSocket).toBeInstanceOf(WebSocket);
    webSocket.accept();
    const message = new Promise<void>((resolve) => {
      webSocket.addEventListener("message", (event) => {
        logged.push(event.data);
        resolve();
      });
    });
    webSocket.send("Hello!");
    await withTimeout(message, "the echo");
    expect(logged).toEqual(["Hello!"]);
  });

  it("startServer() serves the echo worker to a real ws client on the port asked for", async () => {
    const mf = create({ modules: true, scriptPath: ECHO_WORKER, port: 0 });
    const server = await mf.startServer();
    expect(server.listening).toBe(true);
    const { address, port } = server.address() as AddressInfo;
    expect(address).toBe("127.0.0.1");
    const client = await connect(`http://127.0.0.1:${port}`);
    client.ws.send("over the network");
    expect(await client.nextMessage()).toBe("over the network");
    client.ws.send(Buffer.from([1, 2, 3]));
    expect([...((await client.nextMessage()) as Buffer)]).toEqual([1, 2, 3]);
  });

  it("createServer() returns a server that is not listening yet", async () => {
    const mf = create({ modules: true, script: `export default { fetch: () => new Response("made") };` });
    const server = await mf.createServer();
    onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())));
    expect(server.listening).toBe(false);
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe("made");
  });

  it("dispose() closes the servers it started, and their WebSockets with 1001", async () => {
    const mf = new Miniflare({ modules: true, scriptPath: ECHO_WORKER, port: 0, log: new NoOpLog() });
    const server = await mf.startServer();
    const client = await connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const closed = once(server, "close");
    await mf.dispose();
    expect(await client.closed()).toEqual({ code: 1001, reason: "Going Away" });
    await withTimeout(closed, "the server to close");
    expect(server.listening).toBe(false);
  });
});

describe("Miniflare: options", () => {
  it("composes core, web-sockets, http-server and durable-objects, then the user's plugins", async () => {
    const calls: string[] = [];
    const extra = definePlugin({
      name: "extra",
      setup: () => ({ bindings: { EXTRA: "from a plugin" } }),
      reload: () => {
        calls.push("reload");
      },
    });
    const mf = create({ modules: true, script: `export default { fetch: (r, env) => new Response(env.EXTRA + " " + typeof WebSocketPair) };`, plugins: [extra] });
    expect(mf.plugins.map((plugin) => plugin.name)).toEqual(["core", "web-sockets", "http-server", "durable-objects", "extra"]);
    expect(await (await mf.dispatchFetch()).text()).toBe("from a plugin function");
    expect(calls).toEqual(["reload"]);
  });

  it("passes maxMessageSize to the web-sockets plugin", async () => {
    const script = `export default { fetch() { const [client] = Object.values(new WebSocketPair()); return new Response(null, { status: 101, webSocket: client }); } };`;
    const mf = create({ modules: true, script, maxMessageSize: 1024 });
    expect(maxMessageSizeOf((await mf.dispatchFetch()).webSocket)).toBe(1024);
  });

  it("passes port and host to the http-server plugin", () => {
    const mf = create({ modules: true, script: "export default {}", port: 9999, host: "localhost" });
    expect(httpServerPluginOf(mf)?.options).toMatchObject({ port: 9999, host: "localhost" });
  });

  it("defaults to port 8787 on 127.0.0.1", () => {
    const mf = create({ modules: true, script: "export default {}" });
    expect(httpServerPluginOf(mf)?.options).toMatchObject({ port: 8787, host: "127.0.0.1" });
  });

  it("rejects an unknown option, naming it and listing the known ones (the plugins' included)", () => {
    expect(() => new Miniflare({ modules: true, script: "", prot: 1 } as MiniflareOptions)).toThrow(/Unknown option "prot"\. Known options: .*port/);
  });

  it.each([
    [{ envPath: 1 }, /envPath/],
    [{ wranglerConfigPath: "" }, /wranglerConfigPath/],
    [{ wranglerConfigEnv: 5 }, /wranglerConfigEnv/],
    [{ watch: "yes" }, /watch/],
    [{ port: 70000 }, /port must be an integer from 0 to 65535/],
    [{ maxMessageSize: -1 }, /maxMessageSize/],
    [{ modules: "yes" }, /modules/],
  ])("rejects a bad option %j", (options, message) => {
    let thrown: unknown;
    try {
      new Miniflare({ script: "", ...(options as MiniflareOptions) });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(FlareletError);
    expect((thrown as FlareletError).code).toBe("ERR_INVALID_OPTION");
    expect((thrown as Error).message).toMatch(message);
  });

  it("scriptPath is the resolved script, from the option or from wrangler.toml main", async () => {
    await tmp.write("sub/wrangler.toml", `main = "src/w.mjs"`);
    const fromToml = create({ modules: true, rootPath: tmp.path, wranglerConfigPath: "sub/wrangler.toml" });
    expect(fromToml.scriptPath).toBe(`${tmp.path}/sub/src/w.mjs`);
    const fromOption = create({ modules: true, rootPath: tmp.path, scriptPath: "x.mjs" });
    expect(fromOption.scriptPath).toBe(`${tmp.path}/x.mjs`);
    expect(create({ script: "" }).scriptPath).toBeUndefined();
  });
});

describe("Miniflare: configuration files", () => {
  const WORKER = `export default { fetch: (request, env) => Response.json(env) };`;

  it("envPath: true reads <rootPath>/.env, and a missing one is fine", async () => {
    await tmp.write(".env", "A=from env\n");
    const mf = create({ modules: true, script: WORKER, rootPath: tmp.path, envPath: true });
    expect(await (await mf.dispatchFetch()).json()).toEqual({ A: "from env" });
    const none = create({ modules: true, script: WORKER, rootPath: `${tmp.path}/nowhere`, envPath: true });
    expect(await (await none.dispatchFetch()).json()).toEqual({});
  });

  it("an explicit envPath or wranglerConfigPath that does not exist is an error naming the file", async () => {
    expect(() => new Miniflare({ script: WORKER, rootPath: tmp.path, envPath: "missing.env" })).toThrow(/missing\.env \(envPath\)/);
    expect(() => new Miniflare({ script: WORKER, rootPath: tmp.path, wranglerConfigPath: "missing.toml" })).toThrow(/missing\.toml \(wranglerConfigPath\)/);
  });

  it("bindings: the option beats .env beats wrangler.toml vars, key by key", async () => {
    await tmp.write("wrangler.toml", `[vars]\nA = "toml"\nB = "toml"\nC = "toml"\n`);
    await tmp.write(".env", "A=env\nB=env\n");
    const mf = create({ modules: true, script: WORKER, rootPath: tmp.path, envPath: true, wranglerConfigPath: true, bindings: { A: "option" } });
    expect(await (await mf.dispatchFetch()).json()).toEqual({ A: "option", B: "env", C: "toml" });
  });

  it("wranglerConfigEnv without a wrangler configuration is an error", () => {
    expect(() => new Miniflare({ script: WORKER, rootPath: tmp.path, wranglerConfigEnv: "staging" })).toThrow(/needs a wrangler configuration/);
  });

  it("setOptions() reads the configuration files again and reloads", async () => {
    await tmp.write(".env", "A=1\n");
    const mf = create({ modules: true, script: WORKER, rootPath: tmp.path, envPath: true });
    expect(await (await mf.dispatchFetch()).json()).toEqual({ A: "1" });
    await tmp.write(".env", "A=2\n");
    expect(await (await mf.dispatchFetch()).json()).toEqual({ A: "1" });
    await mf.setOptions({});
    expect(await (await mf.dispatchFetch()).json()).toEqual({ A: "2" });
    await mf.setOptions({ bindings: { B: "option" } });
    expect(await (await mf.dispatchFetch()).json()).toEqual({ A: "2", B: "option" });
  });

  it("setOptions() can clear what wrangler.toml had set", async () => {
    await tmp.write("wrangler.toml", `compatibility_date = "2026-03-20"\n`);
    const script = `export default { fetch: () => new Response(new WebSocketPair()[0].binaryType) };`;
    const mf = create({ modules: true, script, rootPath: tmp.path, wranglerConfigPath: true });
    expect(await (await mf.dispatchFetch()).text()).toBe("blob");
    await mf.setOptions({ wranglerConfigPath: false });
    expect(await (await mf.dispatchFetch()).text()).toBe("arraybuffer");
  });

  it("setOptions() refuses the options fixed at construction", async () => {
    const mf = create({ modules: true, script: WORKER });
    for (const key of ["port", "host", "maxMessageSize", "watch", "plugins", "log"]) {
      await expect(mf.setOptions({ [key]: undefined } as never)).rejects.toThrow(`Option "${key}" is fixed`);
    }
  });

  it("a failing setOptions() leaves the previous version serving", async () => {
    await tmp.write(".env", "A=1\n");
    const mf = create({ modules: true, script: WORKER, rootPath: tmp.path, envPath: true });
    await mf.dispatchFetch();
    await expect(mf.setOptions({ envPath: "missing.env" })).rejects.toThrow(/missing\.env/);
    expect(await (await mf.dispatchFetch()).json()).toEqual({ A: "1" });
  });
});

describe("Miniflare: watch", () => {
  it("watches the script, its modules and the config files, and reloads on a change", async () => {
    const worker = await tmp.write("worker.mjs", `import { v } from "./v.mjs";\nexport default { fetch: () => new Response(v) };`);
    const module = await tmp.write("v.mjs", `export const v = "one";`);
    const { log, lines } = captureLog();
    const mf = create({ modules: true, scriptPath: worker, rootPath: tmp.path, watch: true, envPath: true, log });
    expect(await (await mf.dispatchFetch()).text()).toBe("one");
    expect(mf.watchedFiles).toEqual([`${tmp.path}/.dev.vars`, `${tmp.path}/.env`, module, worker].sort());

    const reloaded = once(mf, "reload");
    await tmp.write("v.mjs", `export const v = "two";`);
    const [event] = await withTimeout(reloaded, "a reload");
    expect(event).toBeInstanceOf(ReloadEvent);
    expect(await (await mf.dispatchFetch()).text()).toBe("two");
    await withTimeout(
      (async () => {
        // The log line comes right after the reload event; bounded by withTimeout.
        while (!lines.some((line) => /Reloaded in \d+\.\dms/.test(line))) await new Promise((resolve) => setTimeout(resolve, 10));
      })(),
      "the 'Reloaded in' line",
    );
  });

  it("without watch nothing is watched", async () => {
    const worker = await tmp.write("worker.mjs", `export default { fetch: () => new Response("x") };`);
    const mf = create({ modules: true, scriptPath: worker });
    await mf.dispatchFetch();
    expect(mf.watchedFiles).toEqual([]);
  });
});

describe("flarelet exports", () => {
  it("Response is the Workers Response: it takes a WebSocket with status 101", async () => {
    const mf = create({ modules: true, scriptPath: ECHO_WORKER });
    const res = await mf.dispatchFetch();
    expect(res).toBeInstanceOf(Response);
    expect(() => new Response(null, { status: 200, webSocket: res.webSocket })).toThrow(RangeError);
  });
});
