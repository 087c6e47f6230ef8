/**
 * A worker for the Hibernation API tests: `Room` accepts hibernatable sockets (`/ws?tag=…&name=…`) and
 * reports every constructor run and handler call to the host through the `record` binding, with what the
 * handler saw from inside the worker (types, tags, attachment, readyState, in-memory fields). A message
 * asks the handler to do something: "close", "throw", "hang", "attach:NAME", "keep", "same?"…
 */
import { useWorker, type TestWorker } from "./sandbox.js";
import type { DurableObjectsOptions } from "../src/index.js";

export const ROOM_WORKER = `
import { DurableObject } from "cloudflare:workers";
const describeError = (error) => [error?.constructor?.name, error?.name, String(error?.message ?? error)];
const attempt = (fn) => { try { return { value: fn() }; } catch (error) { return { threw: describeError(error) }; } };

export class Room extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    env.record({ event: "constructed", name: ctx.id.name });
    this.memory = "set by the constructor";
  }
  async fetch(request) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/ws": {
        const [client, server] = Object.values(new WebSocketPair());
        this.ctx.acceptWebSocket(server, url.searchParams.getAll("tag"));
        if (url.searchParams.has("name")) server.serializeAttachment({ name: url.searchParams.get("name") });
        return new Response(null, { status: 101, webSocket: client });
      }
      case "/accept": {
        const [client, server] = Object.values(new WebSocketPair());
        server.accept();
        server.addEventListener("message", (event) => server.send("accepted:" + event.data));
        return new Response(null, { status: 101, webSocket: client });
      }
      case "/timer": this.timer = setTimeout(() => {}, 60_000); return new Response("timer set");
      case "/clear-timer": clearTimeout(this.timer); return new Response("timer cleared");
      case "/hang": await new Promise(() => {}); return new Response("never");
      case "/auto": this.ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong")); return new Response("auto set");
      case "/timeout": this.ctx.setHibernatableWebSocketEventTimeout(Number(url.searchParams.get("ms"))); return new Response("timeout set");
      case "/state": return Response.json(this.state());
      case "/memory": return new Response(this.memory + " / " + (this.note ?? "no note"));
      case "/note": this.note = "noted"; return new Response("noted");
    }
    return new Response("not found", { status: 404 });
  }
  state() {
    const auto = this.ctx.getWebSocketAutoResponse();
    return {
      sockets: this.ctx.getWebSockets().map((ws) => ({
        tags: this.ctx.getTags(ws),
        name: ws.deserializeAttachment()?.name ?? null,
        readyState: ws.readyState,
        autoResponseAt: ((at) => at === null ? null : at instanceof Date ? at.getTime() : "not a Date")(this.ctx.getWebSocketAutoResponseTimestamp(ws)),
      })),
      auto: auto === null ? null : [auto.request, auto.response],
      timeout: this.ctx.getHibernatableWebSocketEventTimeout(),
    };
  }
  async webSocketMessage(ws, message) {
    const seen = {
      event: "message",
      data: typeof message === "string" ? message : [...new Uint8Array(message)],
      binary: message instanceof ArrayBuffer,
      wsType: ws instanceof WebSocket,
      tags: this.ctx.getTags(ws),
      name: ws.deserializeAttachment()?.name ?? null,
      memory: this.memory ?? null,
      note: this.note ?? null,
      listed: this.ctx.getWebSockets().includes(ws),
    };
    if (message === "same?") seen.same = this.env.isKept(ws);
    this.env.record(seen);
    if (message === "keep") this.env.keep(ws);
    if (message === "count") {
      // Read, then write: safe only because the input gate holds other events back while storage is awaited.
      const count = ((await this.ctx.storage.get("count")) ?? 0) + 1;
      await this.ctx.storage.put("count", count);
      ws.send("count:" + count);
      return;
    }
    if (message === "close") ws.close(4001, "asked to");
    if (message === "throw") throw new Error("webSocketMessage threw");
    if (message === "hang") await new Promise(() => {});
    if (typeof message === "string" && message.startsWith("attach:")) ws.serializeAttachment({ name: message.slice(7) });
    if (typeof message === "string" && message.startsWith("broadcast:")) {
      for (const other of this.ctx.getWebSockets()) other.send(message.slice(10));
      return;
    }
    if (message !== "close") ws.send("echo:" + (typeof message === "string" ? message : "binary"));
  }
  async webSocketClose(ws, code, reason, wasClean) {
    this.env.record({
      event: "close", code, reason, wasClean, readyState: ws.readyState,
      listed: this.ctx.getWebSockets().includes(ws), tags: this.ctx.getTags(ws),
      name: ws.deserializeAttachment()?.name ?? null,
      send: attempt(() => ws.send("in close")),
    });
    if (reason === "reply") ws.close(code, "replied");
    await null;
    this.env.record({ event: "after close", listed: this.ctx.getWebSockets().includes(ws) });
  }
  webSocketError(ws, error) {
    this.env.record({ event: "error", error: describeError(error), isError: error instanceof Error, listed: this.ctx.getWebSockets().includes(ws) });
  }
}

export class Bare extends DurableObject {
  async fetch() {
    const [client, server] = Object.values(new WebSocketPair());
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

export interface RoomWorker extends TestWorker {
  records: Record<string, unknown>[];
  /** Resolves with the first record (recorded already or to come) matching `predicate`. */
  waitForRecord(predicate: (record: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  /** How many times Room's constructor ran. */
  constructions(): number;
}

/** The room worker, with `record`, `keep` and `isKept` bindings for its handlers to report through. */
export async function useRoomWorker(
  options: DurableObjectsOptions = {},
  core: Parameters<typeof useWorker>[2] = {},
  webSockets: Parameters<typeof useWorker>[3] = {},
): Promise<RoomWorker> {
  const records: Record<string, unknown>[] = [];
  const waiters: { predicate: (record: Record<string, unknown>) => boolean; resolve: (record: Record<string, unknown>) => void }[] = [];
  const kept = new WeakSet<object>();
  const record = (value: Record<string, unknown>) => {
    // A plain copy: what the worker reported, from its realm.
    const copy = JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
    records.push(copy);
    for (const waiter of [...waiters]) {
      if (waiter.predicate(copy)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(copy);
      }
    }
  };
  const worker = await useWorker(
    ROOM_WORKER,
    { durableObjects: { ROOM: "Room", BARE: "Bare" }, ...options },
    { ...core, bindings: { record, keep: (ws: object) => kept.add(ws), isKept: (ws: object) => kept.has(ws), ...core.bindings } },
    webSockets,
  );
  return {
    ...worker,
    records,
    waitForRecord(predicate) {
      const found = records.find(predicate);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ predicate, resolve }));
    },
    constructions: () => records.filter((entry) => entry.event === "constructed").length,
  };
}
