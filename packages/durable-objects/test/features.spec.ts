// WebSockets through a Durable Object, alarms, blockConcurrencyWhile, SQL from a worker, the test hooks.
import { describe, expect, it } from "vitest";
import { connect, serve, useWorker } from "./sandbox.js";

const CHAT = `
import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject {
  sockets = new Set();
  async fetch(request) {
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    this.sockets.add(server);
    server.addEventListener("message", (event) => {
      for (const socket of this.sockets) socket.send(event.data);
    });
    server.addEventListener("close", (event) => {
      this.sockets.delete(server);
      server.close(event.code, event.reason);
    });
    await this.ctx.storage.put("joined", ((await this.ctx.storage.get("joined")) ?? 0) + 1);
    return new Response(null, { status: 101, webSocket: client });
  }
  joined() { return this.ctx.storage.get("joined"); }
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const room = env.ROOMS.getByName(url.pathname.slice(1));
    if (request.headers.get("Upgrade") === "websocket") return room.fetch(request);
    return new Response(String(await room.joined()));
  },
};`;

describe("WebSockets through a Durable Object", () => {
  it("a chat between two real ws clients; reload closes the DO's sockets with 1012 and keeps storage", async () => {
    const worker = await useWorker(CHAT, { durableObjects: { ROOMS: "Room" } });
    const url = await serve(worker.mf);
    const alice = await connect(`${url}/lobby`);
    const bob = await connect(`${url}/lobby`);
    alice.ws.send("hello from alice");
    expect(await alice.next()).toBe("hello from alice");
    expect(await bob.next()).toBe("hello from alice");
    bob.ws.send("hi alice");
    expect(await alice.next()).toBe("hi alice");
    expect(await bob.next()).toBe("hi alice");
    const other = await connect(`${url}/elsewhere`);
    other.ws.send("only me");
    expect(await other.next()).toBe("only me");
    await worker.mf.reload();
    expect(await alice.closed).toEqual({ code: 1012, reason: "Service Restart" });
    expect(await bob.closed).toEqual({ code: 1012, reason: "Service Restart" });
    expect(await worker.text("/lobby")).toBe("2");
  });
});

const ALARMS = `
import { DurableObject } from "cloudflare:workers";
export class Alarmed extends DurableObject {
  async alarm(info) {
    const runs = [...((await this.ctx.storage.get("runs")) ?? []), info];
    await this.ctx.storage.put("runs", runs);
    if (runs.length === 1) throw new Error("first run fails");
  }
  async arm(delay) { await this.ctx.storage.setAlarm(Date.now() + delay); return this.ctx.storage.getAlarm(); }
  runs() { return this.ctx.storage.get("runs"); }
  alarmTime() { return this.ctx.storage.getAlarm(); }
}
export class NoHandler extends DurableObject {
  async arm() { await this.ctx.storage.setAlarm(Date.now() + 1000); }
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const stub = env.ALARMED.getByName("a");
    try {
      if (url.pathname === "/arm") return Response.json(await stub.arm(Number(url.searchParams.get("delay"))));
      if (url.pathname === "/runs") return Response.json({ runs: (await stub.runs()) ?? [], alarm: await stub.alarmTime() });
      if (url.pathname === "/no-handler") return Response.json(await env.NO_HANDLER.getByName("n").arm());
    } catch (error) {
      return new Response(error.constructor.name + ": " + error.message);
    }
  },
};`;

describe("alarms", () => {
  it("alarm() runs when due and is retried after it throws, with retryCount and isRetry", async () => {
    const worker = await useWorker(ALARMS, { durableObjects: { ALARMED: "Alarmed", NO_HANDLER: "NoHandler" } });
    expect(Number(await worker.text("/arm?delay=10"))).toBeGreaterThan(Date.now() - 1000);
    await worker.log.waitFor(/alarm\(\) of Alarmed\/[0-9a-f]{64} threw; it will be retried: Error: first run fails/);
    // workerd retries after 2 s (plus up to 25% jitter): wait for the second run to be stored.
    let state = JSON.parse(await worker.text("/runs")) as { runs: { retryCount: number; isRetry: boolean }[]; alarm: number | null };
    while (state.runs.length < 2) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      state = JSON.parse(await worker.text("/runs"));
    }
    expect(state.runs).toEqual([{ retryCount: 0, isRetry: false }, { retryCount: 1, isRetry: true }]);
    // Deleted once it succeeded (give the scheduler its turn after the run).
    while (state.alarm !== null) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      state = JSON.parse(await worker.text("/runs"));
    }
    expect(state.alarm).toBeNull();
  });

  it("setAlarm() on a class without alarm(): workerd's TypeError", async () => {
    const worker = await useWorker(ALARMS, { durableObjects: { ALARMED: "Alarmed", NO_HANDLER: "NoHandler" } });
    expect(await worker.text("/no-handler")).toBe(
      "TypeError: Your Durable Object class must have an alarm() handler in order to call setAlarm()",
    );
  });
});

const STATE = `
import { DurableObject } from "cloudflare:workers";
export class Slow extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.ready = false;
    ctx.blockConcurrencyWhile(async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      this.ready = true;
    });
  }
  isReady() { return this.ready; }
}
export class Sql extends DurableObject {
  query() {
    const sql = this.ctx.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS t (a INTEGER, b BLOB)");
    sql.exec("INSERT INTO t VALUES (?, ?)", 1, new Uint8Array([1, 2]));
    const row = sql.exec("SELECT a, b FROM t").one();
    return [typeof row.a, row.b instanceof ArrayBuffer, row.constructor === Object];
  }
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/slow") return Response.json(await env.SLOW.getByName("s").isReady());
    if (url.pathname === "/sql") return Response.json(await env.SQL.getByName("q").query());
  },
};`;

describe("ctx and storage from a worker", () => {
  it("blockConcurrencyWhile() in the constructor holds events back until it is done", async () => {
    const worker = await useWorker(STATE, { durableObjects: { SLOW: "Slow", SQL: { className: "Sql", useSQLite: true } } });
    expect(await worker.text("/slow")).toBe("true");
  });

  it("the SQL API of a new_sqlite_classes object, with values of the worker's realm", async () => {
    const worker = await useWorker(STATE, {
      durableObjects: { SLOW: "Slow", SQL: "Sql" },
      durableObjectsMigrations: [{ tag: "v1", new_sqlite_classes: ["Sql"] }],
    });
    expect(JSON.parse(await worker.text("/sql"))).toEqual(["number", true, true]);
  });

  it("getNamespace() and getStorage(): a test reads and writes an object's storage", async () => {
    const worker = await useWorker(STATE, { durableObjects: { SLOW: "Slow", SQL: { className: "Sql", useSQLite: true } } });
    const namespace = worker.plugin.api.getNamespace("SQL");
    const storage = worker.plugin.api.getStorage(namespace.idFromName("q"));
    await storage.put("seeded", 42);
    expect(await storage.get("seeded")).toBe(42);
    expect(() => worker.plugin.api.getNamespace("NOPE")).toThrow(/"NOPE" is not a Durable Object namespace binding/);
  });
});

const COUNTER = `
import { DurableObject } from "cloudflare:workers";
export class Counter extends DurableObject {
  count = 0;
  async increment() {
    this.count++;
    await this.ctx.storage.put("count", ((await this.ctx.storage.get("count")) ?? 0) + 1);
    return this.count;
  }
}
export default { fetch: () => new Response("ok") };`;

describe("the test hooks of @flarelet/vitest (plugin.api)", () => {
  it("runInObject() runs a callback with the live instance and its state, and returns or throws what it does", async () => {
    const worker = await useWorker(COUNTER, { durableObjects: { COUNTER: "Counter" } });
    const namespace = worker.plugin.api.getNamespace("COUNTER");
    const id = namespace.idFromName("a");
    await (namespace.get(id) as { increment(): Promise<number> }).increment();
    const seen = await worker.plugin.api.runInObject(id, async (instance, state) => {
      expect(state.id.equals(id)).toBe(true);
      return { field: instance.count, stored: await state.storage.get("count"), sameState: instance.ctx === state };
    });
    expect(seen).toEqual({ field: 1, stored: 1, sameState: true });
    await expect(worker.plugin.api.runInObject(id, () => Promise.reject(new RangeError("from the callback")))).rejects.toThrow("from the callback");
  });

  it("listIds() lists the namespace's objects that have storage; evict() drops an instance, storage stays", async () => {
    const worker = await useWorker(COUNTER, { durableObjects: { COUNTER: "Counter" } });
    const namespace = worker.plugin.api.getNamespace("COUNTER");
    const [a, b] = [namespace.idFromName("a"), namespace.idFromName("b")];
    for (const id of [a, b]) await (namespace.get(id) as { increment(): Promise<number> }).increment();
    expect(worker.plugin.api.listIds("COUNTER").map(String)).toEqual([a, b].map(String).sort());
    expect(worker.plugin.api.evict(a)).toBe(true);
    expect(worker.plugin.api.evict(a)).toBe(false); // not alive any more
    // A new instance: its in-memory count starts again, its storage does not.
    expect(await worker.plugin.api.runInObject(a, async (instance, state) => [instance.count, await state.storage.get("count")])).toEqual([0, 1]);
    worker.plugin.api.evictAll();
    expect(await worker.plugin.api.runInObject(b, (instance) => instance.count)).toBe(0);
    expect(() => worker.plugin.api.evict(new (a.constructor as new (hex: string) => typeof a)("0".repeat(64)))).toThrow(
      "evictDurableObject() needs an id made by one of this instance's namespaces.",
    );
  });
});
