import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { MiniflareCore } from "@flarelet/core";
import { CloseEvent, WebSocket, WebSocketPair } from "@flarelet/web-sockets";
import { createWorker, ECHO_WORKER } from "./helpers.js";

/** Runs `body` inside a worker's fetch handler and returns what it returned (as JSON). */
async function inWorker(body: string, options: Parameters<typeof createWorker>[1] = {}): Promise<Record<string, unknown>> {
  const { mf } = createWorker(`export default { async fetch(request, env) { ${body} } };`, options);
  const response = await mf.dispatchFetch();
  return (await response.json()) as Record<string, unknown>;
}

/** Worker-side snippet: `describe(fn)` returns [class name, name, message] of what fn throws, or "ok". */
const DESCRIBE_THROW = `
const describe = (fn) => {
  try { fn(); return "ok"; }
  catch (e) { return [e instanceof TypeError ? "TypeError" : e instanceof DOMException ? "DOMException" : e?.constructor?.name, e.name, e.message]; }
};`;

describe("WebSocketPair", () => {
  it("throws the runtime's TypeError without new", async () => {
    const result = await inWorker(`${DESCRIBE_THROW} return Response.json({ thrown: describe(() => WebSocketPair()) });`);
    expect(result.thrown).toEqual([
      "TypeError",
      "TypeError",
      "Failed to construct 'WebSocketPair': Please use the 'new' operator, this object constructor cannot be called as a function.",
    ]);
  });

  it("has [client, server] as Object.values, both instanceof WebSocket inside the worker, and is iterable", async () => {
    const result = await inWorker(`
      const pair = new WebSocketPair();
      const values = Object.values(pair);
      const [first, second] = pair;
      return Response.json({
        keys: Object.keys(pair),
        count: values.length,
        sameAsIndexes: values[0] === pair[0] && values[1] === pair[1],
        destructured: first === pair[0] && second === pair[1],
        instances: values.map((end) => end instanceof WebSocket && end instanceof EventTarget),
        pairInstance: pair instanceof WebSocketPair,
        distinct: pair[0] !== pair[1],
      });
    `);
    expect(result).toEqual({
      keys: ["0", "1"],
      count: 2,
      sameAsIndexes: true,
      destructured: true,
      instances: [true, true],
      pairInstance: true,
      distinct: true,
    });
  });

  it("is an EventTarget that util.inspect (console.log) can show", () => {
    const pair = new WebSocketPair();
    expect(pair[0]).toBeInstanceOf(EventTarget);
    expect(inspect(pair[0])).toBe("WebSocket { readyState: 1, url: null, protocol: '', binaryType: 'arraybuffer' }");
  });

  it("made in the host is instanceof the package's classes", () => {
    const pair = new WebSocketPair();
    expect(pair[0]).toBeInstanceOf(WebSocket);
    expect(pair[1]).toBeInstanceOf(WebSocket);
    expect(() => (WebSocketPair as unknown as () => void)()).toThrow(TypeError);
  });
});

describe("WebSocket properties", () => {
  it("has the runtime's constants, and a pair end is OPEN before accept() with url null, protocol and extensions empty", async () => {
    const result = await inWorker(`
      const [client, server] = Object.values(new WebSocketPair());
      return Response.json({
        constants: [WebSocket.READY_STATE_CONNECTING, WebSocket.READY_STATE_OPEN, WebSocket.READY_STATE_CLOSING, WebSocket.READY_STATE_CLOSED,
                    WebSocket.CONNECTING, WebSocket.OPEN, WebSocket.CLOSING, WebSocket.CLOSED],
        readyState: client.readyState,
        url: client.url, protocol: server.protocol, extensions: server.extensions,
        binaryType: server.binaryType,
      });
    `);
    expect(result).toEqual({
      constants: [0, 1, 2, 3, 0, 1, 2, 3],
      readyState: 1,
      url: null,
      protocol: "",
      extensions: "",
      binaryType: "arraybuffer",
    });
  });
});

describe("WebSocket validation (the seed page's list)", () => {
  it("refuses send() and close() before accept(), send() after close(), a second close() and invalid codes", async () => {
    const result = await inWorker(`${DESCRIBE_THROW}
      const [a, b] = Object.values(new WebSocketPair());
      const sendBeforeAccept = describe(() => a.send("x"));
      const closeBeforeAccept = describe(() => a.close());
      a.accept();
      b.accept();
      const invalidCode = describe(() => a.close(1006));
      const zeroCode = describe(() => a.close(0));
      const reasonWithoutCode = describe(() => a.close(undefined, "why"));
      const longReason = describe(() => a.close(1000, "x".repeat(124)));
      const firstClose = describe(() => a.close(1000, "done"));
      const sendAfterClose = describe(() => a.send("late"));
      const secondClose = describe(() => a.close());
      return Response.json({ sendBeforeAccept, closeBeforeAccept, invalidCode, zeroCode, reasonWithoutCode, longReason, firstClose, sendAfterClose, secondClose });
    `);
    const notAccepted = "You must call one of accept() or state.acceptWebSocket() on this WebSocket before sending messages.";
    expect(result).toEqual({
      sendBeforeAccept: ["TypeError", "TypeError", notAccepted],
      closeBeforeAccept: ["TypeError", "TypeError", notAccepted],
      invalidCode: ["DOMException", "InvalidAccessError", "Invalid WebSocket close code: 1006."],
      zeroCode: ["DOMException", "InvalidAccessError", "Invalid WebSocket close code: 0."],
      reasonWithoutCode: ["DOMException", "InvalidAccessError", "If you specify a WebSocket close reason, you must also specify a code."],
      longReason: ["DOMException", "SyntaxError", "WebSocket close reason must not be longer than 123 bytes when UTF-8 encoded."],
      firstClose: "ok",
      sendAfterClose: ["TypeError", "TypeError", "Can't call WebSocket send() after close()."],
      secondClose: ["TypeError", "TypeError", "WebSocket already closed"],
    });
  });

  it("rejects a close reason over 123 bytes at every compatibility date", async () => {
    for (const compatibilityDate of [undefined, "2026-03-02", "2026-03-03"]) {
      const result = await inWorker(
        `${DESCRIBE_THROW}
        const [a] = Object.values(new WebSocketPair()); a.accept();
        return Response.json({ thrown: describe(() => a.close(1000, "é".repeat(62))) });`,
        compatibilityDate === undefined ? {} : { compatibilityDate },
      );
      expect(result.thrown).toEqual(["DOMException", "SyntaxError", "WebSocket close reason must not be longer than 123 bytes when UTF-8 encoded."]);
    }
  });

  it("accept() twice is a no-op, and the reply to a received close is allowed", async () => {
    const { mf, waitForRecord } = createWorker(`
      export default {
        fetch(request, env) {
          const [client, server] = Object.values(new WebSocketPair());
          server.accept();
          server.accept();
          server.addEventListener("close", (event) => {
            const readyStateInListener = server.readyState;
            let reply = "ok";
            try { server.close(event.code, "reply"); } catch (e) { reply = e.message; }
            env.record({ code: event.code, reason: event.reason, wasClean: event.wasClean, readyStateInListener, reply, readyStateAfter: server.readyState });
          });
          return new Response(null, { status: 101, webSocket: client });
        },
      };
    `);
    const client = (await mf.dispatchFetch()).webSocket as WebSocket;
    const closes: { code: number; reason: string; wasClean: boolean }[] = [];
    const closed = new Promise((resolve) =>
      client.addEventListener("close", (event) => resolve(closes.push(event as unknown as (typeof closes)[number]))),
    );
    client.accept();
    client.close(3001, "bye");
    const record = await waitForRecord(() => true);
    expect(record).toEqual({ code: 3001, reason: "bye", wasClean: true, readyStateInListener: 2, reply: "ok", readyStateAfter: 3 });
    await closed;
    expect(closes.map(({ code, reason, wasClean }) => ({ code, reason, wasClean }))).toEqual([{ code: 3001, reason: "reply", wasClean: true }]);
    expect(client.readyState).toBe(WebSocket.CLOSED);
  });
});

describe("WebSocket events", () => {
  it("queues events until accept() and delivers them in order", async () => {
    const { mf, waitForRecord } = createWorker(`
      export default {
        fetch(request, env) {
          const [client, server] = Object.values(new WebSocketPair());
          const seen = [];
          env.accept = () => {
            server.accept();
            server.addEventListener("message", (event) => seen.push(event.data));
            server.addEventListener("close", (event) => { seen.push("close:" + event.code); env.record(seen); });
          };
          return new Response(null, { status: 101, webSocket: client });
        },
      };
    `);
    const client = (await mf.dispatchFetch()).webSocket as WebSocket;
    client.accept();
    for (const message of ["one", "two", "three"]) client.send(message);
    client.close(1000);
    // Nothing can be delivered yet: the server end has not been accepted.
    await new Promise((resolve) => setTimeout(resolve, 10));
    const bindings = await mf.getBindings();
    (bindings.accept as () => void)();
    expect(await waitForRecord(() => true)).toEqual(["one", "two", "three", "close:1000"]);
  });

  it("runs the seed page's dispatchFetch example: the echo worker answers Hello!", async () => {
    const { mf } = createWorker(ECHO_WORKER);
    const res = await mf.dispatchFetch();
    const webSocket = res.webSocket as WebSocket;
    const received = new Promise<unknown>((resolve) => webSocket.addEventListener("message", (event) => resolve(event.data)));
    webSocket.accept();
    webSocket.send("Hello!");
    expect(await received).toBe("Hello!");
  });

  it("delivers binary data as an ArrayBuffer of the worker's realm, copied at send()", async () => {
    const { mf, waitForRecord } = createWorker(`
      export default {
        fetch(request, env) {
          const [client, server] = Object.values(new WebSocketPair());
          server.accept();
          server.addEventListener("message", (event) => {
            const data = event.data;
            env.record({
              instanceOfArrayBuffer: data instanceof ArrayBuffer,
              realmPrototype: Object.getPrototypeOf(data) === ArrayBuffer.prototype,
              bytes: [...new Uint8Array(data)],
              eventIsMessageEvent: event instanceof MessageEvent && event instanceof Event,
              target: event.target === server,
            });
          });
          return new Response(null, { status: 101, webSocket: client });
        },
      };
    `);
    const client = (await mf.dispatchFetch()).webSocket as WebSocket;
    client.accept();
    const bytes = new Uint8Array([0, 1, 2, 3, 4, 5]);
    client.send(bytes.subarray(1, 4));
    bytes.fill(9); // after send(): must not change what was sent
    expect(await waitForRecord(() => true)).toEqual({
      instanceOfArrayBuffer: true,
      realmPrototype: true,
      bytes: [1, 2, 3],
      eventIsMessageEvent: true,
      target: true,
    });
  });

  it("converts other values to strings, as the runtime does", async () => {
    const { mf, waitForRecord } = createWorker(`
      export default {
        fetch(request, env) {
          const [client, server] = Object.values(new WebSocketPair());
          server.accept();
          const seen = [];
          server.addEventListener("message", (event) => { seen.push([typeof event.data, event.data]); if (seen.length === 3) env.record(seen); });
          return new Response(null, { status: 101, webSocket: client });
        },
      };
    `);
    const client = (await mf.dispatchFetch()).webSocket as WebSocket;
    client.accept();
    client.send(123);
    client.send({});
    client.send(new Blob(["x"]));
    expect(await waitForRecord(() => true)).toEqual([
      ["string", "123"],
      ["string", "[object Object]"],
      ["string", "[object Blob]"],
    ]);
  });

  it("honours once, removeEventListener and stopImmediatePropagation", async () => {
    const result = await (async () => {
      const pair = new WebSocketPair();
      const [a, b] = [pair[0], pair[1]];
      const calls: string[] = [];
      const removed = () => calls.push("removed");
      b.addEventListener("message", () => calls.push("once"), { once: true });
      b.addEventListener("message", removed);
      b.removeEventListener("message", removed);
      b.addEventListener("message", (event) => {
        calls.push("stopper");
        event.stopImmediatePropagation();
      });
      b.addEventListener("message", () => calls.push("after stop"));
      a.accept();
      b.accept();
      a.send("1");
      a.send("2");
      await new Promise((resolve) => setTimeout(resolve, 5));
      return calls;
    })();
    expect(result).toEqual(["once", "stopper", "stopper"]);
  });
});

describe("WebSocket listener exceptions", () => {
  it("are logged, drop that socket (the other end sees 1006, as with workerd), and leave the process and other sockets running", async () => {
    const { mf, lines } = createWorker(`
      export default {
        fetch(request) {
          const [client, server] = Object.values(new WebSocketPair());
          server.accept();
          server.addEventListener("message", (event) => {
            if (event.data === "boom") throw new Error("listener boom");
            server.send("echo:" + event.data);
          });
          return new Response(null, { status: 101, webSocket: client });
        },
      };
    `);
    const bad = (await mf.dispatchFetch()).webSocket as WebSocket;
    const closed = new Promise<CloseEvent>((resolve) => bad.addEventListener("close", (event) => resolve(event)));
    bad.accept();
    bad.send("boom");
    const close = await closed;
    expect([close.code, close.reason, close.wasClean]).toEqual([1006, "WebSocket disconnected without sending Close frame.", false]);
    expect(lines.some((line) => line.includes('Uncaught exception in a WebSocket "message" listener') && line.includes("listener boom"))).toBe(true);

    const good = (await mf.dispatchFetch()).webSocket as WebSocket;
    const reply = new Promise<unknown>((resolve) => good.addEventListener("message", (event) => resolve(event.data)));
    good.accept();
    good.send("still here");
    expect(await reply).toBe("echo:still here");
  });

  it("contains a rejected async listener the same way", async () => {
    const { mf, lines } = createWorker(`
      export default {
        fetch(request) {
          const [client, server] = Object.values(new WebSocketPair());
          server.accept();
          server.addEventListener("message", async () => { await null; throw new Error("async boom"); });
          return new Response(null, { status: 101, webSocket: client });
        },
      };
    `);
    const socket = (await mf.dispatchFetch()).webSocket as WebSocket;
    const closed = new Promise<CloseEvent>((resolve) => socket.addEventListener("close", (event) => resolve(event)));
    socket.accept();
    socket.send("x");
    expect((await closed).code).toBe(1006);
    expect(lines.some((line) => line.includes("async boom"))).toBe(true);
  });
});

describe("core without the plugin", () => {
  it("offers no WebSocketPair; the plugin adds it", async () => {
    const script = `export default { fetch() { return new Response(typeof WebSocketPair + "," + typeof WebSocket); } };`;
    const bare = new MiniflareCore({ modules: true, script });
    try {
      expect(await (await bare.dispatchFetch()).text()).toBe("undefined,undefined");
    } finally {
      await bare.dispose();
    }
    const { mf } = createWorker(script);
    expect(await (await mf.dispatchFetch()).text()).toBe("function,function");
  });
});
