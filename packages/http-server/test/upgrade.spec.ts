/**
 * WebSocket upgrades through the server (src/upgrade.ts): the handshake, its headers, answers other than 101,
 * refusals and the closing handshake on the wire. What every transport shares (echo, close codes both ways,
 * 1005/1006, a throwing listener dropping its socket (1006), messages sent before the response) is transports.spec.ts.
 */
import { once } from "node:events";
import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  client,
  closed,
  connect,
  deferred,
  ECHO_WORKER,
  messages,
  nextMessage,
  opened,
  rawExchange,
  rawSocket,
  readUntil,
  refused,
  Reports,
  upgradeRequest,
  useServer,
} from "./helpers.js";

/** One worker for most scenarios, chosen by path; it reports what its end sees through `env.report`. */
const LAB_WORKER = `
function pair() {
  const [client, server] = Object.values(new WebSocketPair());
  return { client, server };
}
function upgrade(client, headers) {
  return new Response(null, { status: 101, webSocket: client, headers });
}
function watch(server, env) {
  server.addEventListener("close", (event) => env.report("close", event.code, event.reason, event.wasClean));
  server.addEventListener("error", (event) => env.report("error", event.message));
}
let used;

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/headers": {
        const { client, server } = pair();
        server.accept();
        server.send(JSON.stringify(Object.fromEntries(request.headers)));
        const protocol = request.headers.get("sec-websocket-protocol");
        return upgrade(client, protocol === null ? undefined : { "Sec-WebSocket-Protocol": protocol });
      }
      case "/close": {
        const { client, server } = pair();
        server.accept();
        watch(server, env);
        server.addEventListener("message", (event) => {
          if (event.data === "close-me") server.close(4000, "x");
          else server.send(event.data);
        });
        return upgrade(client);
      }
      case "/protocol": {
        const { client, server } = pair();
        server.accept();
        const offered = request.headers.get("sec-websocket-protocol").split(",").map((p) => p.trim());
        return upgrade(client, { "Sec-WebSocket-Protocol": offered[1] });
      }
      case "/cookies": {
        const { client, server } = pair();
        server.accept();
        const headers = new Headers({ "X-Custom": "yes" });
        headers.append("Set-Cookie", "a=1; Path=/");
        headers.append("Set-Cookie", "b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT");
        return upgrade(client, headers);
      }
      case "/early": {
        const { client, server } = pair();
        server.accept();
        server.send("one");
        server.send(new Uint8Array([2]));
        server.send("three");
        server.addEventListener("message", (event) => server.send("echo:" + event.data));
        return upgrade(client);
      }
      case "/slow": {
        env.report("arrived");
        await env.gate();
        const { client, server } = pair();
        server.accept();
        server.send("after the wait");
        watch(server, env);
        return upgrade(client);
      }
      case "/binary-from-worker": {
        const { client, server } = pair();
        server.accept();
        server.send(new Uint8Array([1, 2, 3]));
        server.send(new Uint16Array([0x0201]).buffer);
        return upgrade(client);
      }
      case "/401": return new Response("nope", { status: 401, headers: { "WWW-Authenticate": "Bearer" } });
      case "/403": return new Response("forbidden", { status: 403 });
      case "/404": return new Response("not here", { status: 404 });
      case "/200": return new Response("plain ok");
      case "/throw": throw new Error("boom in upgrade");
      case "/accepted": {
        const { client, server } = pair();
        client.accept();
        return upgrade(client);
      }
      case "/control-char-header": {
        const { client, server } = pair();
        server.accept();
        return upgrade(client, { "x-bad": "a\\u0001b" });
      }
      case "/used": {
        if (used === undefined) {
          const { client, server } = pair();
          server.accept();
          used = client;
        }
        return upgrade(used);
      }
      case "/throwing-listener": {
        const { client, server } = pair();
        server.accept();
        server.addEventListener("message", (event) => {
          if (event.data === "throw") throw new Error("listener failed");
          server.send(event.data);
        });
        return upgrade(client);
      }
      default:
        return new Response("no such path", { status: 404 });
    }
  },
};
`;

/** Every value of header `name`, one per line received. */
function headerLines(response: IncomingMessage, name: string): string[] {
  const values: string[] = [];
  for (let index = 0; index < response.rawHeaders.length; index += 2) {
    if (response.rawHeaders[index]!.toLowerCase() === name) values.push(response.rawHeaders[index + 1]!);
  }
  return values;
}

async function lab(options: Parameters<typeof useServer>[1] = {}) {
  const reports = new Reports();
  const gate = deferred();
  const served = await useServer(LAB_WORKER, { ...options, bindings: { report: reports.binding, gate: () => gate.promise } });
  return { ...served, reports, gate };
}

describe("WebSocket upgrades: the seed page's echo worker", () => {
  it("logs the upgrade as 101", async () => {
    const { wsUrl, log } = await useServer(ECHO_WORKER);
    await connect(`${wsUrl}/chat?room=1`);
    expect(await log.waitFor("GET /chat?room=1 101")).toMatch(/^GET \/chat\?room=1 101 Switching Protocols \(\d+\.\d+ms\)$/);
  });

  it("serves several clients independently", async () => {
    const { wsUrl } = await useServer(ECHO_WORKER);
    const [first, second] = await Promise.all([connect(wsUrl), connect(wsUrl)]);
    first.send("to first");
    second.send("to second");
    expect((await nextMessage(second)).data).toBe("to second");
    expect((await nextMessage(first)).data).toBe("to first");
  });
});

describe("WebSocket upgrades: what the worker sees and sends", () => {
  it("dispatches the upgrade request with Upgrade: websocket and the handshake headers", async () => {
    const { wsUrl } = await lab();
    const ws = await connect(`${wsUrl}/headers`, ["chat"]);
    const headers = JSON.parse((await nextMessage(ws)).data as string) as Record<string, string>;
    expect(headers.upgrade).toBe("websocket");
    expect(headers["sec-websocket-version"]).toBe("13");
    expect(headers["sec-websocket-key"]).toMatch(/^[+/0-9A-Za-z]{22}==$/);
    expect(headers["sec-websocket-protocol"]).toBe("chat");
    expect(headers.connection).toBeUndefined();
    expect(headers["cf-connecting-ip"]).toBe("127.0.0.1");
  });

  it("sends binary messages from the worker", async () => {
    const { wsUrl } = await lab();
    const ws = client(`${wsUrl}/binary-from-worker`);
    const [first, second] = await messages(ws, 2);
    expect(first!.isBinary).toBe(true);
    expect([...(first!.data as Buffer)]).toEqual([1, 2, 3]);
    expect([...(second!.data as Buffer)]).toEqual([1, 2]);
  });

  it("delivers a Close the worker sent before answering, after its messages", async () => {
    const { wsUrl } = await useServer(`
      export default {
        fetch() {
          const [client, server] = Object.values(new WebSocketPair());
          server.accept();
          server.send("last words");
          server.close(4001, "early");
          return new Response(null, { status: 101, webSocket: client });
        },
      };
    `);
    const ws = client(wsUrl);
    expect((await nextMessage(ws)).data).toBe("last words");
    expect(await closed(ws)).toEqual({ code: 4001, reason: "early" });
  });

  it("sends the worker's Sec-WebSocket-Protocol exactly once", async () => {
    const { wsUrl } = await lab();
    const ws = client(`${wsUrl}/protocol`, ["first", "second", "third"]);
    const [[response]] = await Promise.all([once(ws, "upgrade") as Promise<[IncomingMessage]>, opened(ws)]);
    expect(ws.protocol).toBe("second");
    expect(headerLines(response, "sec-websocket-protocol")).toEqual(["second"]);
  });

  it("sends no Sec-WebSocket-Protocol when the worker chooses none", async () => {
    const { wsUrl } = await useServer(ECHO_WORKER);
    const ws = client(wsUrl, ["offered"]);
    const response = new Promise<IncomingMessage>((resolve) => ws.once("upgrade", resolve));
    // ws, like browsers, refuses a server that ignores the offered protocols.
    await expect(opened(ws)).rejects.toThrow("Server sent no subprotocol");
    expect((await response).headers["sec-websocket-protocol"]).toBeUndefined();
  });

  it("sends the worker's other headers with the 101, each Set-Cookie on its own line", async () => {
    const { wsUrl } = await lab();
    const ws = client(`${wsUrl}/cookies`);
    const [[response]] = await Promise.all([once(ws, "upgrade") as Promise<[IncomingMessage]>, opened(ws)]);
    expect(response.statusCode).toBe(101);
    expect(response.headers["set-cookie"]).toEqual(["a=1; Path=/", "b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT"]);
    expect(response.headers["x-custom"]).toBe("yes");
    expect(headerLines(response, "upgrade")).toEqual(["websocket"]);
    expect(headerLines(response, "connection")).toEqual(["Upgrade"]);
    expect(headerLines(response, "set-cookie")).toHaveLength(2);
  });

  it("opens the client's socket only once the worker answered", async () => {
    const { wsUrl, reports, gate } = await lab();
    const ws = client(`${wsUrl}/slow`);
    let open = false;
    ws.once("open", () => (open = true));
    await reports.next("arrived");
    expect(open).toBe(false);
    expect(ws.readyState).toBe(WebSocket.CONNECTING);
    gate.resolve();
    await opened(ws).catch(() => {}); // may already have opened
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect((await nextMessage(ws)).data).toBe("after the wait");
  });

  it("tells the worker 1006 when the client left while the worker was answering", async () => {
    const { port, reports, gate, log } = await lab();
    const socket = await rawSocket(port);
    socket.write(upgradeRequest("/slow"));
    await reports.next("arrived");
    socket.destroy();
    gate.resolve();
    expect(await reports.next("close")).toEqual([1006, "WebSocket disconnected without sending Close frame.", false]);
    expect(log.errors).toEqual([]);
  });
});

describe("WebSocket upgrades: answers other than 101", () => {
  for (const [path, status, body] of [
    ["/401", 401, "nope"],
    ["/403", 403, "forbidden"],
    ["/404", 404, "not here"],
  ] as const) {
    it(`passes a ${status} to the client as is, without a warning`, async () => {
      const { wsUrl, log } = await lab();
      const answer = await refused(client(`${wsUrl}${path}`));
      expect(answer.status).toBe(status);
      expect(answer.body).toBe(body);
      expect(answer.headers.connection).toBe("close");
      if (status === 401) expect(answer.headers["www-authenticate"]).toBe("Bearer");
      await log.waitFor(`GET ${path} ${status}`);
      expect(log.warnings).toEqual([]);
      expect(log.errors).toEqual([]);
    });
  }

  it("passes a 2xx to the client as is, and warns that the worker did not accept the upgrade", async () => {
    const { wsUrl, log } = await lab();
    const answer = await refused(client(`${wsUrl}/200`));
    expect(answer).toMatchObject({ status: 200, body: "plain ok" });
    expect(await log.waitFor("[flarelet:wrn]")).toContain("GET /200: the worker did not accept the WebSocket upgrade");
    await log.waitFor("GET /200 200 OK");
  });

  it("answers 500 and logs the error when the worker throws", async () => {
    const { wsUrl, log } = await lab();
    const answer = await refused(client(`${wsUrl}/throw`));
    expect(answer.status).toBe(500);
    expect(answer.body).toContain("Error: boom in upgrade");
    expect(await log.waitFor("[flarelet:err]")).toMatch(/^\[flarelet:err\] GET \/throw: Error: boom in upgrade\n\s+at /);
    await log.waitFor("GET /throw 500 Internal Server Error");
  });

  it("answers 500 with the runtime's error for a WebSocket that was already accepted", async () => {
    const { wsUrl, log } = await lab();
    const answer = await refused(client(`${wsUrl}/accepted`));
    expect(answer.status).toBe(500);
    const message = "TypeError: Can't return WebSocket in a Response after calling accept().";
    expect(answer.body).toContain(message);
    expect(await log.waitFor("[flarelet:err]")).toContain(`GET /accepted: ${message}`);
  });

  it("answers 500 for a 101 whose header value has a control character, as for any other response", async () => {
    const { wsUrl, log } = await lab();
    const answer = await refused(client(`${wsUrl}/control-char-header`));
    expect(answer.status).toBe(500);
    expect(await log.waitFor("[flarelet:err]")).toContain('GET /control-char-header: TypeError: Invalid character in header content ["x-bad"]');
  });

  it("answers 500 with the runtime's error for a WebSocket already used in a response", async () => {
    const { wsUrl, log } = await lab();
    await connect(`${wsUrl}/used`);
    const answer = await refused(client(`${wsUrl}/used`));
    expect(answer.status).toBe(500);
    const message = "TypeError: Can't return WebSocket that was already used in a response.";
    expect(await log.waitFor("[flarelet:err]")).toContain(`GET /used: ${message}`);
  });

  it("goes on serving after a refused or failed upgrade", async () => {
    const { wsUrl } = await lab();
    await refused(client(`${wsUrl}/throw`));
    await refused(client(`${wsUrl}/accepted`));
    const ws = await connect(`${wsUrl}/close`);
    ws.send("still here");
    expect((await nextMessage(ws)).data).toBe("still here");
  });

  it("answers upgrades as plain responses when the web-sockets plugin is not registered", async () => {
    const { port, log } = await useServer(`export default { fetch: (request) => new Response("upgrade: " + request.headers.get("upgrade"), { status: 426 }) }`, {
      webSockets: false,
    });
    const socket = await rawSocket(port);
    socket.write(upgradeRequest("/ws"));
    const answer = await readUntil(socket, "upgrade: websocket");
    expect(answer).toMatch(/^HTTP\/1\.1 426 Upgrade Required\r\n/);
    await log.waitFor("GET /ws 426 Upgrade Required");
  });
});

describe("WebSocket upgrades: message size limit", () => {
  it("closes with 1009 a message over webSocketsPlugin({ maxMessageSize })", async () => {
    const { wsUrl, reports } = await lab({ webSockets: { maxMessageSize: 1024 } });
    const ws = await connect(`${wsUrl}/close`);
    ws.send("a".repeat(1024));
    expect((await nextMessage(ws)).data).toHaveLength(1024); // exactly the limit passes
    ws.send("a".repeat(2000));
    expect(await closed(ws)).toEqual({ code: 1009, reason: "Message is too large: 2000 > 1024" });
    const [message] = await reports.next("error");
    expect(message).toContain("Max payload size exceeded");
  });
});

describe("upgrades other than WebSocket", () => {
  const INSPECT = `
    export default {
      async fetch(request) {
        return Response.json({
          method: request.method,
          upgrade: request.headers.get("upgrade"),
          body: request.body === null ? null : await request.text(),
        });
      },
    };
  `;
  const h2c = (method: string, extra: string[]) =>
    [`${method} /h2c HTTP/1.1`, "Host: 127.0.0.1", "Connection: Upgrade, HTTP2-Settings", "Upgrade: h2c", "HTTP2-Settings: AAMAAABkAAQAAP__", ...extra, "", ""].join("\r\n");

  it("serves an h2c upgrade (curl --http2) as a plain HTTP/1.1 request, and closes the connection", async () => {
    const { port, log } = await useServer(INSPECT);
    const answer = await rawExchange(port, h2c("GET", []));
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer).toContain("\r\nConnection: close\r\n");
    expect(JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4))).toEqual({ method: "GET", upgrade: null, body: null });
    await log.waitFor("GET /h2c 200 OK");
  });

  it("passes the body of such a request, even when it arrives in pieces", async () => {
    const { port } = await useServer(INSPECT);
    const socket = await rawSocket(port);
    socket.write(`${h2c("POST", ["Content-Length: 11"])}hello`);
    const answer = readUntil(socket, "}");
    socket.write(" world");
    const text = await answer;
    expect(JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4))).toEqual({ method: "POST", upgrade: null, body: "hello world" });
  });
});

describe("WebSocket upgrades: the closing handshake on the wire", () => {
  /** A masked client frame (RFC 6455 §5.2), for a client written by hand. */
  function clientFrame(opcode: number, payload: Buffer): Buffer {
    const mask = Buffer.from([1, 2, 3, 4]);
    const masked = Buffer.from(payload.map((byte, index) => byte ^ mask[index % 4]!));
    return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length]), mask, masked]);
  }

  const CLOSES_ON_MESSAGE = `
    export default {
      fetch() {
        const [client, server] = Object.values(new WebSocketPair());
        server.accept();
        server.addEventListener("message", () => server.close(4000, "x"));
        server.addEventListener("close", (event) => server.close(event.code, event.reason));
        return new Response(null, { status: 101, webSocket: client });
      },
    };
  `;

  it("ends the TCP connection once the client answered a worker's Close (client-initiated: works)", async () => {
    const { port } = await useServer(CLOSES_ON_MESSAGE);
    const socket = await rawSocket(port);
    socket.write(upgradeRequest("/"));
    await readUntil(socket, "\r\n\r\n");
    const ended = once(socket, "end");
    socket.write(clientFrame(8, Buffer.from([0x0b, 0xb9]))); // Close 3001; the worker answers it
    await ended;
  });

  // When the worker closes first, the client answers with its Close and waits, as browsers do, for the
  // server to close TCP (RFC 6455 §7.1.1). Regression: web-sockets once suppressed ws's close() here,
  // leaving the connection open until ws's 30 s close timer.
  it("ends the TCP connection once the client answered a worker's Close (worker-initiated)", async () => {
    const { port } = await useServer(CLOSES_ON_MESSAGE);
    const socket = await rawSocket(port);
    socket.write(upgradeRequest("/"));
    await readUntil(socket, "\r\n\r\n");
    const closeFrame = readUntil(socket, "\x88");
    socket.write(clientFrame(1, Buffer.from("close, please")));
    await closeFrame;
    const ended = once(socket, "end");
    socket.write(clientFrame(8, Buffer.from([0x0f, 0xa0]))); // the client's answer: Close 4000
    await ended;
  });
});
