/**
 * The Durable Objects WebSocket Hibernation API: `ctx.acceptWebSocket()` and the methods around it, their
 * arguments, limits and messages, and the handlers as a `ws` client drives them. The `Room` object below
 * keeps what its handlers saw in its storage; a case connects clients, sends, then asks `/state`. Each case
 * uses a room of its own. (Hibernation itself, after workerd's fixed 10 s, is not a case: flarelet's tests
 * force it with `hibernateDurableObjects()`.)
 */
const WORKER = `
import { DurableObject } from "cloudflare:workers";
const describeError = (error) => ({ class: error?.constructor?.name, name: error?.name, message: String(error?.message ?? error) });
const attempt = (fn) => { try { return { value: fn() }; } catch (error) { return { threw: describeError(error) }; } };
const pair = () => Object.values(new WebSocketPair());

export class Room extends DurableObject {
  async fetch(request) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/ws": {
        const [client, server] = pair();
        this.ctx.acceptWebSocket(server, url.searchParams.getAll("tag"));
        if (url.searchParams.has("name")) server.serializeAttachment({ name: url.searchParams.get("name") });
        return new Response(null, { status: 101, webSocket: client });
      }
      case "/auto": this.ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong")); return new Response("ok");
      case "/state": return Response.json(await this.state(url.searchParams.get("tag")));
      case "/probe": return Response.json(this.probe(url.searchParams.get("probe")));
    }
    return new Response("?", { status: 404 });
  }
  async state(tag) {
    const ctx = this.ctx;
    const sockets = tag === null ? ctx.getWebSockets() : ctx.getWebSockets(tag);
    return {
      sockets: sockets.map((ws) => ({ tags: ctx.getTags(ws), name: ws.deserializeAttachment()?.name ?? null, readyState: ws.readyState,
        autoResponse: ctx.getWebSocketAutoResponseTimestamp(ws) === null ? null : "a Date" })),
      events: (await ctx.storage.get("events")) ?? [],
    };
  }
  async log(event) {
    const events = (await this.ctx.storage.get("events")) ?? [];
    events.push(event);
    await this.ctx.storage.put("events", events);
  }
  probe(probe) {
    const ctx = this.ctx;
    switch (probe) {
      case "accept": {
        const out = {};
        { const [c, s] = pair(); s.accept(); out.afterAccept = attempt(() => ctx.acceptWebSocket(s)); }
        { const [c, s] = pair(); c.accept(); out.peerAccepted = attempt(() => ctx.acceptWebSocket(s)); }
        { const [c, s] = pair(); new Response(null, { status: 101, webSocket: c }); out.peerInResponse = attempt(() => ctx.acceptWebSocket(s)); }
        { const [c, s] = pair(); ctx.acceptWebSocket(s); out.twice = attempt(() => ctx.acceptWebSocket(s)); out.accept = attempt(() => s.accept());
          out.otherEnd = attempt(() => ctx.acceptWebSocket(c)); out.response = attempt(() => { new Response(null, { status: 101, webSocket: s }); return "made"; }); }
        { const [c, s] = pair(); out.clientEnd = attempt(() => ctx.acceptWebSocket(c)); out.thenServer = attempt(() => ctx.acceptWebSocket(s)); }
        out.notWebSocket = attempt(() => ctx.acceptWebSocket({}));
        out.nothing = attempt(() => ctx.acceptWebSocket());
        { const [c, s] = pair(); out.stringTags = attempt(() => ctx.acceptWebSocket(s, "abc")); out.nullTags = attempt(() => ctx.acceptWebSocket(s, null)); }
        return out;
      }
      case "tags": {
        const out = {};
        const tags = (list) => { const [c, s] = pair(); return attempt(() => { ctx.acceptWebSocket(s, list); return ctx.getTags(s); }); };
        out.eleven = tags(["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"]);
        out.tenThenDuplicate = tags(["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "1"]);
        out.duplicates = tags(["a", "b", "a", "c", "b"]);
        out.converted = tags([1, null, undefined, true]);
        out.tooLong = tags(["x".repeat(257)]);
        out.bytes256 = tags(["é".repeat(128)]);
        out.bytes258 = tags(["é".repeat(129)]);
        out.none = tags(undefined);
        { const [c, s] = pair(); out.notAccepted = attempt(() => ctx.getTags(s)); s.accept(); out.accepted = attempt(() => ctx.getTags(s)); }
        out.notWebSocket = attempt(() => ctx.getTags({}));
        out.lookups = [ctx.getWebSockets("a").length, ctx.getWebSockets(1).length, ctx.getWebSockets(null).length, ctx.getWebSockets("nope").length];
        return out;
      }
      case "auto": {
        const out = {};
        out.none = ctx.getWebSocketAutoResponse();
        out.pairNoArgs = attempt(() => new WebSocketRequestResponsePair());
        out.pairOneArg = attempt(() => new WebSocketRequestResponsePair("a"));
        out.pairNoNew = attempt(() => WebSocketRequestResponsePair("a", "b"));
        out.pairConverted = attempt(() => { const p = new WebSocketRequestResponsePair(1, 2); return [p.request, p.response]; });
        out.pairShape = attempt(() => { const p = new WebSocketRequestResponsePair("a", "b"); return [Object.keys(p), JSON.stringify(p), Object.prototype.toString.call(p), p instanceof WebSocketRequestResponsePair]; });
        out.bigRequest = attempt(() => ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("x".repeat(2049), "y")));
        out.bigResponse = attempt(() => ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("x", "é".repeat(1025))));
        out.plainObject = attempt(() => ctx.setWebSocketAutoResponse({ request: "a", response: "b" }));
        out.null = attempt(() => ctx.setWebSocketAutoResponse(null));
        out.edge = attempt(() => { ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("x".repeat(2048), "é".repeat(1024))); const p = ctx.getWebSocketAutoResponse(); return [p.request.length, p.response.length, p === ctx.getWebSocketAutoResponse(), p instanceof WebSocketRequestResponsePair]; });
        out.unset = attempt(() => { ctx.setWebSocketAutoResponse(); return ctx.getWebSocketAutoResponse(); });
        { const [c, s] = pair(); out.timestampPending = attempt(() => ctx.getWebSocketAutoResponseTimestamp(s)); }
        out.timestampNotWebSocket = attempt(() => ctx.getWebSocketAutoResponseTimestamp({}));
        return out;
      }
      case "timeout": {
        const set = (value) => attempt(() => { ctx.setHibernatableWebSocketEventTimeout(value); return ctx.getHibernatableWebSocketEventTimeout(); });
        const out = { none: ctx.getHibernatableWebSocketEventTimeout() };
        out.max = set(604800000);
        out.overMax = set(604800001);
        out.zero = set(0);
        out.fraction = set(1.7);
        out.string = set("100");
        out.negative = set(-1);
        out.nan = set(NaN);
        out.huge = set(2 ** 32 + 5);
        out.unset = set();
        return out;
      }
    }
  }
  async webSocketMessage(ws, message) {
    await this.log({ event: "message", data: typeof message === "string" ? message : [...new Uint8Array(message)],
      type: Object.prototype.toString.call(message), tags: this.ctx.getTags(ws), name: ws.deserializeAttachment()?.name ?? null,
      listed: this.ctx.getWebSockets().includes(ws) });
    if (message === "close") { ws.close(4001, "asked to"); return; }
    if (message === "throw") throw new Error("webSocketMessage threw");
    ws.send("echo:" + (typeof message === "string" ? message : "binary"));
  }
  async webSocketClose(ws, code, reason, wasClean) {
    const seen = { event: "close", code, reason, wasClean, readyState: ws.readyState, listed: this.ctx.getWebSockets().includes(ws),
      send: attempt(() => { ws.send("in close"); return "sent"; }) };
    if (reason === "reply") ws.close(code, "replied");
    await this.log(seen);
    await this.log({ event: "after close awaited", listed: this.ctx.getWebSockets().includes(ws) });
  }
  async webSocketError(ws, error) {
    await this.log({ event: "error", error: describeError(error) });
  }
}

export class Bare extends DurableObject {
  async fetch() {
    const [client, server] = pair();
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const room = url.searchParams.get("room") ?? "lobby";
    if (url.pathname === "/bare") return env.BARE.getByName(room).fetch(request);
    return env.ROOM.getByName(room).fetch(request);
  },
};`;

const options = { durableObjects: { ROOM: "Room", BARE: "Bare" } };
const RECENT = ["2026-07-01"];
const probe = (name, path) => ({ name: `Hibernation API: ${name}`, worker: WORKER, options, request: { path }, dates: RECENT });
const client = (name, run, extra = {}) => ({ name: `Hibernation API: ${name}`, worker: WORKER, options, client: run, ...extra });

/** The room's state as JSON (`/state?room=…`). */
const stateOf = async (http, room, tag) => JSON.parse((await http(`/state?room=${room}${tag === undefined ? "" : `&tag=${tag}`}`)).body);

export default [
  probe("acceptWebSocket(): which sockets it refuses, and its argument errors", "/probe?probe=accept&room=p-accept"),
  probe("tags: the limits, duplicates, conversions; getTags() of other sockets; getWebSockets(tag)", "/probe?probe=tags&room=p-tags"),
  probe("setWebSocketAutoResponse(): WebSocketRequestResponsePair, sizes, errors", "/probe?probe=auto&room=p-auto"),
  probe("setHibernatableWebSocketEventTimeout(): conversions and the 7-day limit", "/probe?probe=timeout&room=p-timeout"),

  client("messages reach webSocketMessage (text, binary as ArrayBuffer) with tags and attachment", async ({ http, webSocket, sleep }) => {
    const alice = await webSocket("/ws?room=c-messages&tag=alice&tag=all&name=Alice");
    alice.send("hello");
    await alice.next("message");
    alice.send(Buffer.from([1, 2, 3]));
    await alice.next("message");
    await sleep(100);
    const state = await stateOf(http, "c-messages");
    alice.terminate();
    return { client: alice.events, state };
  }),
  client("getWebSockets() lists the newest first, getWebSockets(tag) the oldest first", async ({ http, webSocket, sleep }) => {
    const first = await webSocket("/ws?room=c-order&tag=all&name=first");
    const second = await webSocket("/ws?room=c-order&tag=all&name=second");
    const third = await webSocket("/ws?room=c-order&tag=all&tag=odd&name=third");
    await sleep(100);
    const all = (await stateOf(http, "c-order")).sockets.map((socket) => socket.name);
    const tagged = (await stateOf(http, "c-order", "all")).sockets.map((socket) => socket.name);
    const odd = (await stateOf(http, "c-order", "odd")).sockets.map((socket) => socket.name);
    for (const ws of [first, second, third]) ws.terminate();
    return { all, tagged, odd };
  }),
  client("an auto-response is answered without webSocketMessage, and timestamped", async ({ http, webSocket, sleep }) => {
    await http("/auto?room=c-auto");
    const ws = await webSocket("/ws?room=c-auto");
    ws.send("ping");
    await ws.next("message");
    ws.send(Buffer.from("ping"));
    await ws.next("message");
    await sleep(100);
    const state = await stateOf(http, "c-auto");
    ws.terminate();
    return { client: ws.events, state };
  }),
  client("the client's Close: webSocketClose(code, reason, true) in CLOSING, no reply from the runtime", async ({ http, webSocket, sleep }) => {
    const ws = await webSocket("/ws?room=c-close");
    ws.close(4003, "no reply");
    await sleep(500);
    const state = await stateOf(http, "c-close");
    ws.terminate();
    return { client: ws.events, state };
  }),
  client("the client's Close answered by the handler's close()", async ({ http, webSocket, sleep }) => {
    const ws = await webSocket("/ws?room=c-reply");
    ws.close(4003, "reply");
    await ws.closed;
    await sleep(100);
    return { client: ws.events, state: await stateOf(http, "c-reply") };
  }),
  client("a Close without a code is 1005", async ({ http, webSocket, sleep }) => {
    const ws = await webSocket("/ws?room=c-nocode");
    ws.close();
    await sleep(300);
    const state = await stateOf(http, "c-nocode");
    ws.terminate();
    return state.events;
  }),
  client("a vanished client is webSocketClose(1006, …, false)", async ({ http, webSocket, sleep }) => {
    const ws = await webSocket("/ws?room=c-drop");
    ws.terminate();
    await sleep(300);
    return (await stateOf(http, "c-drop")).events;
  }),
  client("the object closes: the client sees its code, the handler the client's answer", async ({ http, webSocket, sleep }) => {
    const ws = await webSocket("/ws?room=c-object-closes");
    ws.send("close");
    await ws.next("close");
    await sleep(300);
    return { client: ws.events, state: await stateOf(http, "c-object-closes") };
  }),
  client("a handler that throws leaves the socket open", async ({ webSocket }) => {
    const ws = await webSocket("/ws?room=c-throw");
    ws.send("throw");
    ws.send("after");
    await ws.next("message");
    ws.terminate();
    return ws.events;
  }),
  client("an object without handlers: messages and Close go nowhere, no error", async ({ webSocket, sleep }) => {
    const ws = await webSocket("/bare?room=c-bare");
    ws.send("hello");
    ws.close(1000, "bye");
    await sleep(300);
    ws.terminate();
    return ws.events;
  }),
];
