/**
 * WebSockets: the pair inside a worker, and what a `ws` client sees of a worker's socket. (Outgoing sockets,
 * fetch() upgrades and `new WebSocket()`, are in outbound.mjs.)
 */
import { expression, statements } from "../src/define.mjs";

/** Statements that make an accepted pair and a helper to let queued events run. */
const PAIR = `
  const [client, server] = Object.values(new WebSocketPair());
  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
`;
const pair = (body) => statements(`${PAIR}\n${body}`);

/** A worker answering an upgrade with its end set up by `setup(server)`. */
const upgrade = (setup) => `
export default {
  fetch(request) {
    const [client, server] = Object.values(new WebSocketPair());
    (${setup})(server, request);
    return new Response(null, { status: 101, webSocket: client });
  },
};`;

export default [
  // Construction and fields
  { name: "WebSocketPair: without new", run: expression("errorOf(() => WebSocketPair())") },
  { name: "WebSocketPair: keys and tag", run: statements("const p = new WebSocketPair(); return [Object.keys(p), tag(p), Symbol.iterator in p];") },
  { name: "WebSocketPair: ends are WebSockets", run: pair("return [client instanceof WebSocket, server instanceof WebSocket, client instanceof EventTarget, tag(client)];") },
  { name: "WebSocket: readyState of a fresh pair end", run: pair("return [client.readyState, server.readyState];") },
  { name: "WebSocket: constants on an instance", run: pair("return [server.CONNECTING, server.OPEN, server.CLOSING, server.CLOSED];") },
  { name: "WebSocket: constants on the class", run: expression("[WebSocket.CONNECTING, WebSocket.OPEN, WebSocket.CLOSING, WebSocket.CLOSED, WebSocket.READY_STATE_OPEN]") },
  { name: "WebSocket: fields of a pair end", run: pair("return { url: server.url, protocol: server.protocol, extensions: server.extensions, binaryType: server.binaryType, bufferedAmount: server.bufferedAmount };") },
  { name: "WebSocket: handler properties start null", run: pair("return [server.onopen, server.onmessage, server.onclose, server.onerror];") },
  { name: "WebSocket: new WebSocket() of a pair's class without a URL", run: expression("errorOf(() => new WebSocket())") },

  // accept, send, close validation
  { name: "WebSocket: send before accept", run: pair("return errorOf(() => server.send('x'));") },
  { name: "WebSocket: close before accept", run: pair("return errorOf(() => server.close());") },
  { name: "WebSocket: accept twice", run: pair("server.accept(); return errorOf(() => server.accept());") },
  { name: "WebSocket: accept(5)", run: pair("return errorOf(() => server.accept(5));") },
  { name: "WebSocket: accept with allowHalfOpen", run: pair("return errorOf(() => server.accept({ allowHalfOpen: true }));") },
  { name: "WebSocket: close(1000.5) is truncated", run: pair(
    "server.accept(); client.accept(); let code; client.addEventListener('close', (e) => (code = e.code)); const error = errorOf(() => server.close(1000.5)); await settle(); return [error, code];") },
  { name: "WebSocket: close(0)", run: pair("server.accept(); return errorOf(() => server.close(0));") },
  { name: "WebSocket: close(999)", run: pair("server.accept(); return errorOf(() => server.close(999));") },
  { name: "WebSocket: close(1005)", run: pair("server.accept(); return errorOf(() => server.close(1005));") },
  { name: "WebSocket: close(5000)", run: pair("server.accept(); return errorOf(() => server.close(5000));") },
  { name: "WebSocket: close('1000')", run: pair("server.accept(); return errorOf(() => server.close('1000'));") },
  { name: "WebSocket: close(4999) is allowed", run: pair("server.accept(); return errorOf(() => server.close(4999));") },
  { name: "WebSocket: close(1001, reason) is allowed", run: pair("server.accept(); return errorOf(() => server.close(1001, 'bye'));") },
  { name: "WebSocket: a reason without a code", run: pair("server.accept(); return errorOf(() => server.close(undefined, 'why'));") },
  { name: "WebSocket: a reason over 123 bytes", run: pair("server.accept(); return errorOf(() => server.close(1000, 'x'.repeat(124)));") },
  { name: "WebSocket: send after close", run: pair("server.accept(); server.close(1000); return errorOf(() => server.send('x'));") },
  { name: "WebSocket: readyState after close", run: pair("server.accept(); server.close(1000); return server.readyState;") },
  { name: "WebSocket: send a number", run: pair(
    "server.accept(); client.accept(); let got; client.addEventListener('message', (e) => (got = e.data)); const error = errorOf(() => server.send(42)); await settle(); return [error, got];") },
  { name: "WebSocket: send a Blob", run: pair("server.accept(); return errorOf(() => server.send(new Blob(['x'])));") },
  { name: "WebSocket: send nothing", run: pair("server.accept(); return errorOf(() => server.send());") },
  { name: "WebSocket: binaryType can be set", run: pair("server.binaryType = 'arraybuffer'; const a = server.binaryType; server.binaryType = 'bogus'; return [a, server.binaryType];") },

  // Events between the two ends of a pair
  { name: "WebSocket: a text message between pair ends", run: pair(
    "server.accept(); client.accept(); let got; client.addEventListener('message', (e) => (got = [e.data, e.type])); server.send('hi'); await settle(); return got;") },
  { name: "WebSocket: a binary message between pair ends", run: pair(`
    server.accept(); client.accept(); let got;
    client.addEventListener('message', async (e) => { got = [describe(e.data), e.data instanceof Blob ? bytes(await e.data.arrayBuffer()) : bytes(e.data)]; });
    server.send(new Uint8Array([1, 2, 3])); await settle(); return got;`) },
  { name: "WebSocket: a message sent before accept is queued", run: pair(
    "server.accept(); server.send('early'); let got; client.addEventListener('message', (e) => (got = e.data)); await settle(); const before = got; client.accept(); await settle(); return [before, got];") },
  { name: "WebSocket: MessageEvent shape", run: pair(`
    server.accept(); client.accept(); let shape;
    client.addEventListener('message', (e) => { shape = { class: e.constructor.name, tag: tag(e), origin: e.origin, ports: e.ports, lastEventId: e.lastEventId, source: e.source, isMessageEvent: typeof MessageEvent === 'function' && e instanceof MessageEvent, cancelable: e.cancelable, bubbles: e.bubbles }; });
    server.send('x'); await settle(); return shape;`) },
  { name: "WebSocket: CloseEvent shape", run: pair(`
    server.accept(); client.accept(); let shape;
    client.addEventListener('close', (e) => { shape = { class: e.constructor.name, tag: tag(e), code: e.code, reason: e.reason, wasClean: e.wasClean, isCloseEvent: typeof CloseEvent === 'function' && e instanceof CloseEvent }; });
    server.close(4000, 'done'); await settle(); return shape;`) },
  { name: "WebSocket: close without a code arrives as 1005", run: pair(
    "server.accept(); client.accept(); let got; client.addEventListener('close', (e) => (got = [e.code, e.reason, e.wasClean])); server.close(); await settle(); return got;") },
  { name: "WebSocket: readyState in the peer's close listener", run: pair(
    "server.accept(); client.accept(); let state; client.addEventListener('close', () => (state = client.readyState)); server.close(1000); await settle(); return state;") },
  { name: "WebSocket: replying to a close", run: pair(`
    server.accept(); client.accept(); let reply; let closed;
    client.addEventListener('close', (e) => { reply = errorOf(() => client.close(e.code, 'reply')); });
    server.addEventListener('close', (e) => (closed = [e.code, e.reason]));
    server.close(1000, 'first'); await settle(); return [reply, closed];`) },
  { name: "WebSocket: send after the automatic close reply", run: pair(
    "server.accept(); client.accept(); let sent; client.addEventListener('close', () => { sent = errorOf(() => client.send('late')); }); server.close(1000); await settle(); return sent;") },
  { name: "WebSocket: onmessage handler property", run: pair(
    "server.accept(); client.accept(); let got; client.onmessage = (e) => (got = e.data); server.send('via onmessage'); await settle(); return got;") },
  { name: "WebSocket: onclose handler property", run: pair(
    "server.accept(); client.accept(); let got; client.onclose = (e) => (got = e.code); server.close(4002); await settle(); return got;") },
  { name: "WebSocket: a handler property replaced", run: pair(
    "server.accept(); client.accept(); const got = []; client.onmessage = () => got.push('first'); client.onmessage = () => got.push('second'); server.send('x'); await settle(); return got;") },
  { name: "WebSocket: a handler property set to a non-function", run: pair("client.onmessage = 5; return client.onmessage;") },
  { name: "WebSocket: serializeAttachment round trip", run: pair(
    "if (typeof server.serializeAttachment !== 'function') return 'missing'; server.serializeAttachment({ a: [1, 2], d: new Date(0) }); const v = server.deserializeAttachment(); return [v.a, v.d instanceof Date];") },
  { name: "WebSocket: deserializeAttachment without one", run: pair("return typeof server.deserializeAttachment === 'function' ? server.deserializeAttachment() : 'missing';") },
  { name: "WebSocket: serializeAttachment of a function", run: pair(
    "return typeof server.serializeAttachment === 'function' ? errorOf(() => server.serializeAttachment(() => {})) : 'missing';") },
  { name: "WebSocket: serializeAttachment over 16 KiB", run: pair(
    "return typeof server.serializeAttachment === 'function' ? errorOf(() => server.serializeAttachment('x'.repeat(20000))) : 'missing';") },
  { name: "MessageEvent: constructed by the worker", run: expression(
    "typeof MessageEvent === 'function' ? (() => { const e = new MessageEvent('message', { data: 1 }); return [e.data, e.type, tag(e)]; })() : 'missing'") },
  { name: "CloseEvent: constructed by the worker", run: expression(
    "typeof CloseEvent === 'function' ? (() => { const e = new CloseEvent('close', { code: 1000, reason: 'r', wasClean: true }); return [e.code, e.reason, e.wasClean, tag(e)]; })() : 'missing'") },

  // Responses carrying a WebSocket
  { name: "WebSocket: a Response with status 200 and a WebSocket", run: pair("return errorOf(() => new Response(null, { status: 200, webSocket: client }));") },
  { name: "WebSocket: a Response with a body and a WebSocket", run: pair("return errorOf(() => new Response('x', { status: 101, webSocket: client }));") },
  { name: "WebSocket: a Response with something else as webSocket", run: expression("errorOf(() => new Response(null, { status: 101, webSocket: {} }))") },
  { name: "WebSocket: a Response with an accepted WebSocket", run: pair("client.accept(); return errorOf(() => new Response(null, { status: 101, webSocket: client }));") },
  { name: "WebSocket: the same WebSocket in two Responses", run: pair("new Response(null, { status: 101, webSocket: client }); return errorOf(() => new Response(null, { status: 101, webSocket: client }));") },
  { name: "WebSocket: accept after use in a Response", run: pair("new Response(null, { status: 101, webSocket: client }); return errorOf(() => client.accept());") },
  { name: "WebSocket: fields of a 101 Response", run: pair("const r = new Response(null, { status: 101, webSocket: client }); return [r.status, r.statusText, r.ok, r.webSocket === client, errorOf(() => r.clone())];") },

  // Seen by a ws client
  { name: "ws client: echo", worker: upgrade((server) => { server.accept(); server.addEventListener("message", (event) => server.send(event.data)); }),
    async client({ webSocket }) { const ws = await webSocket("/"); ws.send("hello"); await ws.next("message"); ws.close(1000, "done"); await ws.closed; return ws.events; } },
  { name: "ws client: a welcome message", worker: upgrade((server) => { server.accept(); server.send("welcome"); }),
    async client({ webSocket }) { const ws = await webSocket("/"); await ws.next("message"); ws.terminate(); return ws.events.slice(0, 2); } },
  { name: "ws client: the worker closes with 4001 at once", worker: upgrade((server) => { server.accept(); server.close(4001, "go away"); }),
    async client({ webSocket }) { const ws = await webSocket("/"); await ws.closed; return ws.events; } },
  { name: "ws client: the client closes with 3001", worker: upgrade((server) => {
      server.accept();
      server.addEventListener("close", (event) => { try { server.close(event.code, `echo ${event.reason} ${event.wasClean}`); } catch {} });
    }),
    async client({ webSocket }) { const ws = await webSocket("/"); ws.close(3001, "bye"); await ws.closed; return ws.events; } },
  { name: "ws client: the client closes without a code", worker: upgrade((server) => {
      server.accept();
      server.addEventListener("close", (event) => { try { server.close(1000, `got ${event.code}`); } catch {} });
    }),
    async client({ webSocket }) { const ws = await webSocket("/"); ws.close(); await ws.closed; return ws.events; } },
  { name: "ws client: a message listener throws", worker: upgrade((server) => {
      server.accept();
      server.addEventListener("message", () => { throw new Error("listener failed"); });
    }),
    async client({ webSocket }) { const ws = await webSocket("/"); ws.send("x"); await ws.closed; return ws.events; } },
  { name: "ws client: a subprotocol chosen by the worker", worker: `
export default {
  fetch(request) {
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    return new Response(null, { status: 101, webSocket: client, headers: { "Sec-WebSocket-Protocol": "chat" } });
  },
};`,
    async client({ webSocket }) { const ws = await webSocket("/", { protocols: ["chat", "other"] }); ws.terminate(); return ws.events.slice(0, 1); } },
  { name: "ws client: the worker answers 401", worker: `export default { fetch() { return new Response("no", { status: 401 }); } };`,
    async client({ webSocket }) { const ws = await webSocket("/"); return ws.events.slice(0, 1); } },
  { name: "ws client: the worker throws", worker: `export default { fetch() { throw new Error("no socket"); } };`,
    async client({ webSocket }) { const ws = await webSocket("/"); return ws.events.slice(0, 1); } },
  { name: "ws client: the worker returns an accepted end", worker: `
export default {
  fetch() {
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    client.accept();
    try { return new Response(null, { status: 101, webSocket: client }); } catch (e) { return new Response(e.message, { status: 400 }); }
  },
};`,
    async client({ webSocket }) { const ws = await webSocket("/"); return ws.events.slice(0, 1); } },
  { name: "ws client: a binary message echoed", worker: upgrade((server) => { server.accept(); server.addEventListener("message", (event) => server.send(event.data)); }),
    async client({ webSocket }) { const ws = await webSocket("/"); ws.send(Buffer.from([1, 2, 3])); const reply = await ws.next("message"); ws.terminate(); return reply; } },
  { name: "ws client: binaryType arraybuffer echo", worker: upgrade((server) => { server.binaryType = "arraybuffer"; server.accept(); server.addEventListener("message", (event) => server.send(event.data)); }),
    async client({ webSocket }) { const ws = await webSocket("/"); ws.send(Buffer.from([1, 2, 3])); const reply = await ws.next("message"); ws.terminate(); return reply; } },
  { name: "ws client: the worker sees the client close code and wasClean", worker: `
export default {
  fetch(request) {
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    server.addEventListener("message", () => server.send("ready"));
    server.addEventListener("close", (event) => { try { server.close(1000, JSON.stringify([event.code, event.reason, event.wasClean, server.readyState])); } catch (e) { } });
    return new Response(null, { status: 101, webSocket: client });
  },
};`,
    async client({ webSocket }) { const ws = await webSocket("/"); ws.send("x"); await ws.next("message"); ws.close(4500, "client reason"); await ws.closed; return ws.events.filter((e) => e.type === "close"); } },
  { name: "ws client: messages before the worker accepts", worker: `
export default {
  fetch(request) {
    const [client, server] = Object.values(new WebSocketPair());
    setTimeout(() => { server.accept(); server.addEventListener("message", (e) => server.send("late " + e.data)); }, 50);
    return new Response(null, { status: 101, webSocket: client });
  },
};`,
    async client({ webSocket }) { const ws = await webSocket("/"); ws.send("early"); const m = await ws.next("message"); ws.terminate(); return m; } },
  { name: "ws client: onmessage handler property of the worker's end", worker: upgrade((server) => { server.accept(); server.onmessage = (event) => server.send(`on ${event.data}`); }),
    async client({ webSocket }) { const ws = await webSocket("/"); ws.send("x"); const m = await ws.next("message"); ws.terminate(); return m; } },
  { name: "ws client: the worker's end fields after the upgrade", worker: upgrade((server) => {
      server.accept();
      server.addEventListener("message", () => server.send(JSON.stringify({ url: server.url, protocol: server.protocol, extensions: server.extensions, readyState: server.readyState })));
    }),
    async client({ webSocket }) { const ws = await webSocket("/"); ws.send("x"); const m = await ws.next("message"); ws.terminate(); return m; } },
  { name: "ws client: the worker closes without a code", worker: upgrade((server) => { server.accept(); server.close(); }),
    async client({ webSocket }) { const ws = await webSocket("/"); await ws.closed; return ws.events; } },
  { name: "ws client: a large message", worker: upgrade((server) => { server.accept(); server.addEventListener("message", (event) => server.send(String(event.data.length))); }),
    async client({ webSocket }) { const ws = await webSocket("/"); ws.send("x".repeat(1 << 20)); const m = await ws.next("message"); ws.terminate(); return m; } },
];
