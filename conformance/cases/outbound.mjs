/**
 * Outbound fetch() from a worker, against the harness's local origin (env.UPSTREAM, see src/upstream.mjs):
 * what the origin receives, and what the worker gets back.
 */
import { expression, statements } from "../src/define.mjs";

export default [
  // No headers of the runtime's own (CF-Worker, which Cloudflare adds, and Connection are the next case's).
  { name: "fetch: headers the origin receives by default", run: expression(
    "fetch(env.UPSTREAM + '/echo').then((r) => r.json()).then((j) => j.headers.map(([k]) => k).filter((k) => k !== 'cf-worker' && k !== 'connection'))") },
  { name: "fetch: headers the origin receives with a POST body", run: expression(
    "fetch(env.UPSTREAM + '/echo', { method: 'POST', body: 'abc' }).then((r) => r.json()).then((j) => [j.method, j.body, j.headers.map(([k]) => k).filter((k) => k !== 'cf-worker' && k !== 'connection').sort()])") },
  { name: "fetch: the CF-Worker and Connection headers", run: expression(
    "fetch(env.UPSTREAM + '/echo').then((r) => r.json()).then((j) => j.headers.filter(([k]) => k === 'cf-worker' || k === 'connection'))") },
  { name: "fetch: a streamed request body", run: statements(`
    const body = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("streamed")); c.close(); } });
    const j = await (await fetch(env.UPSTREAM + "/echo", { method: "POST", body })).json();
    return [j.body, j.headers.filter(([k]) => k === "content-length" || k === "transfer-encoding")];`) },
  { name: "fetch: a user-agent of the worker's own is sent", run: expression(
    "fetch(env.UPSTREAM + '/echo', { headers: { 'user-agent': 'mine' } }).then((r) => r.json()).then((j) => j.headers.filter(([k]) => k === 'user-agent'))") },
  { name: "fetch: custom headers are sent as given", run: expression(
    "fetch(env.UPSTREAM + '/echo', { headers: { 'X-Custom': 'A', 'accept': 'text/x' } }).then((r) => r.json()).then((j) => j.headers.filter(([k]) => k.startsWith('x-') || k === 'accept'))") },
  { name: "fetch: a Host header of the worker's own", run: expression(
    "fetch(env.UPSTREAM + '/echo', { headers: { host: 'example.com' } }).then((r) => r.json()).then((j) => j.headers.filter(([k]) => k === 'host'))") },
  { name: "fetch: the method and path arrive", run: expression(
    "fetch(env.UPSTREAM + '/echo/a%20b?x=1', { method: 'DELETE' }).then((r) => r.json()).then((j) => [j.method, j.url])") },
  { name: "fetch: response fields", run: statements(
    "const r = await fetch(env.UPSTREAM + '/echo'); await r.arrayBuffer(); return { status: r.status, statusText: r.statusText, ok: r.ok, type: r.type, url: r.url, redirected: r.redirected, webSocket: r.webSocket };") },
  { name: "fetch: response headers are immutable", run: statements("const r = await fetch(env.UPSTREAM + '/echo'); await r.arrayBuffer(); return errorOf(() => r.headers.set('x', '1'));") },
  { name: "fetch: response headers of the origin", run: statements(
    "const r = await fetch(env.UPSTREAM + '/headers?x-one=1&set-cookie=a=1&set-cookie=b=2'); await r.text(); return [...r.headers].filter(([k]) => k !== 'date');") },
  { name: "fetch: hop-by-hop response headers", run: statements(
    "const r = await fetch(env.UPSTREAM + '/hop'); return [await r.text(), [...r.headers].filter(([k]) => k !== 'date')];") },
  { name: "fetch: a Content-Length longer than the body", run: statements(
    "const r = await fetch(env.UPSTREAM + '/wrong-length'); return [r.status, await attempt(() => r.text())];") },
  { name: "fetch: a connection cut mid-body", run: statements(
    "const r = await fetch(env.UPSTREAM + '/close-early'); return [r.status, await attempt(() => r.text())];") },
  { name: "fetch: a refused connection", run: expression("rejectionOf(() => fetch(env.REFUSED + '/'))") },
  { name: "fetch: a gzip body is decoded", run: statements(
    "const r = await fetch(env.UPSTREAM + '/gzip'); return [await r.text(), r.headers.get('content-encoding'), r.headers.get('content-length')];") },
  { name: "fetch: 404 from the origin", run: statements("const r = await fetch(env.UPSTREAM + '/status/404?body=nope'); return [r.status, r.statusText, await r.text()];") },
  { name: "fetch: a 302 is followed", run: statements(
    "const r = await fetch(env.UPSTREAM + '/status/302?location=/echo/after'); const j = await r.json(); return [r.status, r.redirected, r.url.replace(env.UPSTREAM, ''), j.url];") },
  { name: "fetch: a 303 after a POST becomes a GET", run: statements(
    "const r = await fetch(env.UPSTREAM + '/status/303?location=/echo/after', { method: 'POST', body: 'x', headers: { 'x-keep': '1' } }); const j = await r.json(); return [j.method, j.body, j.headers.filter(([k]) => k === 'x-keep' || k === 'content-type' || k === 'content-length')];") },
  { name: "fetch: redirect manual", run: statements(
    "const r = await fetch(env.UPSTREAM + '/status/302?location=/echo', { redirect: 'manual' }); return [r.status, r.headers.get('location'), r.redirected, r.type];") },
  { name: "fetch: redirect error", run: expression("rejectionOf(() => fetch(env.UPSTREAM + '/status/302?location=/echo', { redirect: 'error' }))") },
  { name: "fetch: a relative URL", run: expression("rejectionOf(() => fetch('/relative'))") },
  { name: "fetch: an ftp URL", run: expression("rejectionOf(() => fetch('ftp://example.com/'))") },
  { name: "fetch: a ws URL without Upgrade", run: expression("rejectionOf(() => fetch(env.UPSTREAM.replace('http', 'ws') + '/echo'))") },
  { name: "fetch: an already aborted signal", run: statements(
    "const c = new AbortController(); c.abort(); return rejectionOf(() => fetch(env.UPSTREAM + '/echo', { signal: c.signal }));") },
  { name: "fetch: aborted with a reason", run: statements(
    "const c = new AbortController(); c.abort(new RangeError('mine')); return rejectionOf(() => fetch(env.UPSTREAM + '/echo', { signal: c.signal }));") },
  { name: "fetch: with cf options", run: expression("fetch(env.UPSTREAM + '/echo', { cf: { cacheTtl: 5 } }).then((r) => r.status)") },
  { name: "fetch: a Request object with a body", run: statements(
    "const req = new Request(env.UPSTREAM + '/echo', { method: 'PUT', body: 'put body' }); const j = await (await fetch(req)).json(); return [j.method, j.body, req.bodyUsed];") },
  { name: "fetch: a body that is a URLSearchParams", run: expression(
    "fetch(env.UPSTREAM + '/echo', { method: 'POST', body: new URLSearchParams('a=1') }).then((r) => r.json()).then((j) => [j.body, j.headers.filter(([k]) => k === 'content-type')])") },
  { name: "fetch: called with no arguments", run: expression("rejectionOf(() => fetch())") },
  { name: "fetch: a response body read twice", run: statements("const r = await fetch(env.UPSTREAM + '/echo'); await r.text(); return rejectionOf(() => r.text());") },
  { name: "fetch: clone of the response", run: statements("const r = await fetch(env.UPSTREAM + '/echo'); const c = r.clone(); return [(await r.json()).method, (await c.json()).method];") },

  // WebSockets from a worker to an origin
  { name: "fetch upgrade: a welcome message sent with the handshake arrives", run: statements(`
    const r = await fetch(env.UPSTREAM + "/ws/welcome", { headers: { Upgrade: "websocket" } });
    const ws = r.webSocket;
    const messages = [];
    const done = new Promise((resolve) => { ws.addEventListener("message", (e) => { messages.push(e.data); if (messages.length === 2) resolve(); }); setTimeout(resolve, 1000); });
    ws.accept();
    ws.send("ping");
    await done;
    ws.close(1000);
    return [r.status, messages];`) },
  { name: "fetch upgrade: an immediate close(4001) arrives", run: statements(`
    const r = await fetch(env.UPSTREAM + "/ws/close-4001", { headers: { Upgrade: "websocket" } });
    const ws = r.webSocket;
    const closed = new Promise((resolve) => { ws.addEventListener("close", (e) => resolve([e.code, e.reason, e.wasClean])); setTimeout(() => resolve("no close event"), 1000); });
    ws.accept();
    return closed;`) },
  { name: "fetch upgrade: a non-101 answer is a Response", run: statements(
    "const r = await fetch(env.UPSTREAM + '/status/404?body=no', { headers: { Upgrade: 'websocket' } }); return [r.status, r.webSocket, await r.text()];") },
  { name: "fetch upgrade: subprotocol and headers sent", run: statements(`
    const r = await fetch(env.UPSTREAM + "/ws/protocol", { headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": "chat, other" } });
    const ws = r.webSocket;
    const first = new Promise((resolve) => { ws.addEventListener("message", (e) => resolve(JSON.parse(e.data))); setTimeout(() => resolve("no message"), 1000); });
    ws.accept();
    const message = await first;
    ws.close(1000);
    return [r.status, r.headers.get("sec-websocket-protocol"), message];`) },
  { name: "fetch upgrade: the refused origin", run: expression("rejectionOf(() => fetch(env.REFUSED + '/', { headers: { Upgrade: 'websocket' } }))") },
  { name: "new WebSocket: a welcome message sent with the handshake arrives", run: statements(`
    const ws = new WebSocket(env.UPSTREAM.replace("http", "ws") + "/ws/welcome");
    const events = [];
    await new Promise((resolve) => {
      ws.addEventListener("open", () => { events.push("open"); ws.send("ping"); });
      ws.addEventListener("message", (e) => { events.push(e.data); if (events.length === 3) resolve(); });
      ws.addEventListener("error", () => { events.push("error"); resolve(); });
      setTimeout(resolve, 1000);
    });
    ws.close(1000);
    return events;`) },
  { name: "new WebSocket: an immediate close(4001) arrives", run: statements(`
    const ws = new WebSocket(env.UPSTREAM.replace("http", "ws") + "/ws/close-4001");
    return await new Promise((resolve) => {
      ws.addEventListener("close", (e) => resolve([e.code, e.reason, e.wasClean, ws.readyState]));
      setTimeout(() => resolve("no close event"), 1000);
    });`) },
  { name: "new WebSocket: handler properties", run: statements(`
    const ws = new WebSocket(env.UPSTREAM.replace("http", "ws") + "/ws/echo");
    const events = [];
    await new Promise((resolve) => {
      ws.onopen = (e) => { events.push(["open", e.type]); ws.send("hi"); };
      ws.onmessage = (e) => { events.push(["message", e.data]); ws.close(1000, "bye"); };
      ws.onclose = (e) => { events.push(["close", e.code]); resolve(); };
      ws.onerror = () => { events.push(["error"]); resolve(); };
      setTimeout(resolve, 1000);
    });
    return [events, typeof ws.onopen, ws.onmessage === null];`) },
  { name: "new WebSocket: fields while connecting", run: statements(`
    const ws = new WebSocket(env.UPSTREAM.replace("http", "ws") + "/ws/echo");
    const fields = { readyState: ws.readyState, url: ws.url.replace(env.UPSTREAM.replace("http", "ws"), ""), protocol: ws.protocol, extensions: ws.extensions, binaryType: ws.binaryType, onopen: ws.onopen };
    await new Promise((resolve) => { ws.addEventListener("open", resolve); setTimeout(resolve, 1000); });
    ws.close(1000);
    return fields;`) },
  { name: "new WebSocket: a refused connection", run: statements(`
    const ws = new WebSocket(env.REFUSED.replace("http", "ws") + "/");
    const events = [];
    await new Promise((resolve) => {
      ws.addEventListener("error", (e) => events.push(["error", e.constructor.name, e.message]));
      ws.addEventListener("close", (e) => { events.push(["close", e.code, e.reason, e.wasClean]); resolve(); });
      setTimeout(resolve, 1000);
    });
    return events;`) },
  { name: "new WebSocket: a non-101 answer", run: statements(`
    const ws = new WebSocket(env.UPSTREAM.replace("http", "ws") + "/status/404");
    const events = [];
    await new Promise((resolve) => {
      ws.addEventListener("error", (e) => events.push(["error", e.constructor.name, e.message]));
      ws.addEventListener("close", (e) => { events.push(["close", e.code, e.reason, e.wasClean]); resolve(); });
      setTimeout(resolve, 1000);
    });
    return events;`) },
  { name: "new WebSocket: an http URL", run: expression("errorOf(() => new WebSocket(env.UPSTREAM + '/ws/echo'))") },
  { name: "new WebSocket: a relative URL", run: expression("errorOf(() => new WebSocket('/ws'))") },
  { name: "new WebSocket: a URL with a fragment", run: expression("errorOf(() => new WebSocket('wss://example.com/#frag'))") },
  { name: "new WebSocket: an invalid protocol token", run: expression("errorOf(() => new WebSocket('wss://example.com/', 'a b'))") },
  { name: "new WebSocket: repeated protocols", run: expression("errorOf(() => new WebSocket('wss://example.com/', ['a', 'a']))") },
  { name: "new WebSocket: accept() is refused", run: statements(
    "const ws = new WebSocket(env.UPSTREAM.replace('http', 'ws') + '/ws/echo'); const e = errorOf(() => ws.accept()); ws.close(); return e;") },
  { name: "new WebSocket: close() before it connects", run: statements(`
    const ws = new WebSocket(env.UPSTREAM.replace("http", "ws") + "/ws/echo");
    const error = errorOf(() => ws.close(1000));
    const events = [];
    await new Promise((resolve) => {
      ws.addEventListener("open", () => events.push("open"));
      ws.addEventListener("error", (e) => events.push(["error", e.message]));
      ws.addEventListener("close", (e) => { events.push(["close", e.code, e.reason]); resolve(); });
      setTimeout(resolve, 1000);
    });
    return [error, events];`) },
  { name: "new WebSocket: send() before it connects", run: statements(
    "const ws = new WebSocket(env.UPSTREAM.replace('http', 'ws') + '/ws/echo'); const e = errorOf(() => ws.send('x')); ws.close(); return e;") },
];
