/**
 * Durable Objects through `Miniflare` and the `flarelet` command: options and wrangler.toml, the test hooks,
 * and persistence across a restart and across a SIGKILL (the CLI from dist/, under plain node).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { Miniflare, NoOpLog } from "../src/index.js";
import { assertBuilt, onCleanup, spawnCli, useTempDir } from "./helpers.js";

const tmp = useTempDir();

const WORKER = `import { DurableObject } from "cloudflare:workers";
export class Counter extends DurableObject {
  async add(keys) {
    // One acknowledged write: every key of the batch, in one transaction.
    await this.ctx.storage.put(Object.fromEntries(keys.map((key) => [key, true])));
    return keys.length;
  }
  async count() { return (await this.ctx.storage.list()).size; }
  table() {
    this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS t (a)");
    return this.ctx.storage.sql.exec("SELECT count(*) AS n FROM t").one().n;
  }
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const stub = env.COUNTER.getByName("c");
    if (url.pathname === "/add") {
      const batch = Number(url.searchParams.get("batch"));
      return Response.json(await stub.add(Array.from({ length: 20 }, (_, i) => batch + "-" + i)));
    }
    if (url.pathname === "/count") return Response.json(await stub.count());
    if (url.pathname === "/table") return Response.json(await stub.table());
    return new Response("?", { status: 404 });
  },
};`;

describe("Miniflare with Durable Objects", () => {
  it("reads durable_objects and migrations from wrangler.toml; the test hooks reach storage", async () => {
    await tmp.write("worker.mjs", WORKER);
    await tmp.write(
      "wrangler.toml",
      `main = "worker.mjs"\ncompatibility_date = "2025-09-01"\n[[durable_objects.bindings]]\nname = "COUNTER"\nclass_name = "Counter"\n[[migrations]]\ntag = "v1"\nnew_sqlite_classes = ["Counter"]\n`,
    );
    const mf = new Miniflare({ rootPath: tmp.path, wranglerConfigPath: true, modules: true, log: new NoOpLog() });
    onCleanup(() => mf.dispose());
    expect(await (await mf.dispatchFetch("http://localhost/table")).json()).toBe(0);
    const namespace = await mf.getDurableObjectNamespace("COUNTER");
    const storage = await mf.getDurableObjectStorage(namespace.idFromName("c"));
    await storage.put("seeded", 1);
    expect(await (await mf.dispatchFetch("http://localhost/count")).json()).toBe(1);
  });

  it("runInDurableObject, listDurableObjectIds and evictDurableObject reach the objects (vitest's hooks)", async () => {
    await tmp.write("worker.mjs", WORKER);
    const mf = new Miniflare({ rootPath: tmp.path, scriptPath: "worker.mjs", modules: true, compatibilityDate: "2025-09-01", durableObjects: { COUNTER: "Counter" }, log: new NoOpLog() });
    onCleanup(() => mf.dispose());
    await mf.dispatchFetch("http://localhost/add?batch=1");
    const id = (await mf.getDurableObjectNamespace("COUNTER")).idFromName("c");
    expect((await mf.listDurableObjectIds("COUNTER")).map(String)).toEqual([id.toString()]);
    const [marked, stored] = await mf.runInDurableObject(id, async (instance, state) => {
      instance.marked = true;
      return [instance.marked, (await state.storage.list()).size];
    });
    expect([marked, stored]).toEqual([true, 20]);
    expect(await mf.evictDurableObject(id)).toBe(true);
    expect(await mf.evictDurableObject(id)).toBe(false); // no instance any more
    expect(await mf.runInDurableObject(id, (instance) => instance.marked)).toBeUndefined();
    // Eviction waits for the event in flight (workerd's test eviction); an abort does not.
    let finish!: () => void;
    let inside!: () => void;
    const entered = new Promise<void>((resolve) => (inside = resolve));
    const event = mf.runInDurableObject(id, (instance) => {
      instance.marked = "busy";
      inside();
      return new Promise<void>((resolve) => (finish = resolve));
    });
    await entered;
    const order: string[] = [];
    const eviction = mf.evictDurableObject(id).then((evicted) => order.push(`evicted ${evicted}`));
    await new Promise((resolve) => setImmediate(resolve));
    order.push("event ends");
    finish();
    await Promise.all([event, eviction]);
    expect(order).toEqual(["event ends", "evicted true"]);
    await mf.runInDurableObject(id, (instance) => void (instance.marked = "again"));
    await mf.abortAllDurableObjects();
    expect(await mf.runInDurableObject(id, (instance) => instance.marked)).toBeUndefined();
  });

  it("takes durableObjects as an option, fixed for the life of the instance", async () => {
    await tmp.write("worker.mjs", WORKER);
    const mf = new Miniflare({
      rootPath: tmp.path,
      scriptPath: "worker.mjs",
      modules: true,
      compatibilityDate: "2025-09-01",
      durableObjects: { COUNTER: "Counter" },
      log: new NoOpLog(),
    });
    onCleanup(() => mf.dispose());
    expect(await (await mf.dispatchFetch("http://localhost/add?batch=1")).json()).toBe(20);
    await expect(mf.setOptions({ durableObjects: {} } as never)).rejects.toThrow(/Option "durableObjects" is fixed/);
  });
});

describe("flarelet --do --do-persist", () => {
  beforeAll(assertBuilt);

  it("keeps storage across a restart, and loses no acknowledged write to a SIGKILL", async () => {
    await tmp.write("worker.mjs", WORKER);
    const args = ["worker.mjs", "--modules", "--port", "0", "--compat-date", "2025-09-01", "-o", "COUNTER=Counter", "--do-persist", "data"];
    const first = spawnCli(args, { cwd: tmp.path });
    let url = await first.url();
    expect(await (await fetch(`${url}/add?batch=0`)).json()).toBe(20);
    process.kill(first.child.pid!, "SIGINT");
    await first.exited();

    const second = spawnCli(args, { cwd: tmp.path });
    url = await second.url();
    expect(await (await fetch(`${url}/count`)).json()).toBe(20);
    // Writes keep coming from a client; the process is killed between two acknowledgements, or in the middle
    // of a write: every batch acknowledged before the kill must be there after a restart.
    let acknowledged = 1;
    const writer = (async () => {
      for (let batch = 1; batch < 10_000; batch++) {
        try {
          const res = await fetch(`${url}/add?batch=${batch}`);
          if ((await res.json()) === 20) acknowledged = batch + 1;
        } catch {
          return;
        }
      }
    })();
    while (acknowledged < 30) await new Promise((resolve) => setTimeout(resolve, 5));
    process.kill(second.child.pid!, "SIGKILL");
    await second.exited();
    await writer;

    const third = spawnCli(args, { cwd: tmp.path });
    const count = (await (await fetch(`${await third.url()}/count`)).json()) as number;
    // Every acknowledged batch (20 keys each), and possibly the one in flight, whole or not at all.
    expect(count % 20).toBe(0);
    expect(count).toBeGreaterThanOrEqual(acknowledged * 20);
    expect(count).toBeLessThanOrEqual((acknowledged + 1) * 20);
  });
});

const ROOM = `import { DurableObject } from "cloudflare:workers";
let constructions = 0;
export class Room extends DurableObject {
  constructor(ctx, env) { super(ctx, env); constructions++; }
  fetch() {
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server, ["guest"]);
    server.serializeAttachment({ name: "Guest" });
    return new Response(null, { status: 101, webSocket: client });
  }
  webSocketMessage(ws, message) {
    ws.send(message + " from " + ws.deserializeAttachment().name + " #" + constructions + " " + this.ctx.getTags(ws));
  }
}
export default { fetch: (request, env) => env.ROOM.getByName("r").fetch(request) };`;

describe("Durable Object hibernation through Miniflare and the CLI", () => {
  beforeAll(assertBuilt);

  it("mf.hibernateDurableObjects() hibernates; the next message constructs the class again", async () => {
    await tmp.write("room.mjs", ROOM);
    const mf = new Miniflare({ rootPath: tmp.path, scriptPath: "room.mjs", modules: true, compatibilityDate: "2025-09-01", port: 0,
      durableObjects: { ROOM: "Room" }, log: new NoOpLog() });
    onCleanup(() => mf.dispose());
    const server = await mf.startServer();
    const ws = new WebSocket(`ws://127.0.0.1:${(server.address() as { port: number }).port}/`);
    onCleanup(() => ws.terminate());
    const messages: string[] = [];
    let wake: () => void = () => {};
    ws.on("message", (data) => {
      messages.push(String(data));
      wake();
    });
    await new Promise((resolve) => ws.once("open", resolve));
    const next = () => new Promise<void>((resolve) => (wake = resolve));
    ws.send("hi");
    await next();
    expect(await mf.hibernateDurableObjects()).toBe(1);
    ws.send("hi again");
    await next();
    expect(messages).toEqual(["hi from Guest #1 guest", "hi again from Guest #2 guest"]);
    await expect(mf.setOptions({ durableObjectsHibernateAfter: 5 } as never)).rejects.toThrow(/Option "durableObjectsHibernateAfter" is fixed/);
  });

  it("flarelet --debug --do-hibernate-after logs hibernation and wake-up", async () => {
    await tmp.write("room.mjs", ROOM);
    const cli = spawnCli(["room.mjs", "--modules", "--port", "0", "--compat-date", "2025-09-01", "-o", "ROOM=Room", "--do-hibernate-after", "100", "--debug"], {
      cwd: tmp.path,
    });
    const url = (await cli.url()).replace("http", "ws");
    const ws = new WebSocket(url);
    onCleanup(() => ws.terminate());
    await new Promise((resolve) => ws.once("open", resolve));
    await cli.waitFor(/Durable Object Room \w+…\w+ hibernated; 1 WebSocket stays open/);
    const reply = new Promise((resolve) => ws.once("message", (data) => resolve(String(data))));
    ws.send("hello");
    expect(await reply).toBe("hello from Guest #2 guest");
    await cli.waitFor(/Durable Object Room \w+…\w+ woke up for webSocketMessage: constructed again/);
  });
});
