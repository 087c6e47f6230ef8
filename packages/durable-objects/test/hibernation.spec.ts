// Real hibernation: an idle object is dropped from memory while its hibernatable sockets stay open, and its
// next event constructs it again; auto-responses are answered without waking it; what keeps it awake.
import { describe, expect, it } from "vitest";
import { connect, serve, useWorker } from "./sandbox.js";
import { useRoomWorker } from "./hibernation-fixture.js";
import { durableObjectsPlugin } from "../src/index.js";

describe("hibernateDurableObjects()", () => {
  it("drops the instance; the next message constructs it again with tags and attachments, not in-memory fields", async () => {
    const worker = await useRoomWorker();
    const url = await serve(worker.mf);
    const alice = await connect(`${url}/ws?tag=alice&name=Alice`);
    await worker.text("/note");
    alice.ws.send("keep");
    expect(await alice.next()).toBe("echo:keep");
    expect(worker.constructions()).toBe(1);

    expect(await worker.plugin.api.hibernateDurableObjects()).toBe(1);
    expect(worker.constructions()).toBe(1);
    alice.ws.send("same?");
    expect(await alice.next()).toBe("echo:same?");
    expect(worker.constructions()).toBe(2);
    expect(worker.records.at(-1)).toEqual({
      event: "message",
      data: "same?",
      binary: false,
      wsType: true,
      tags: ["alice"],
      name: "Alice",
      memory: "set by the constructor",
      // The field set by an earlier request is gone, as in production.
      note: null,
      listed: true,
      // A new WebSocket object for the same connection, as workerd gives after hibernation.
      same: false,
    });
  });

  it("keeps getWebSockets(), the auto-response and its timestamps, the event timeout and attachments set before", async () => {
    const worker = await useRoomWorker();
    const url = await serve(worker.mf);
    const alice = await connect(`${url}/ws?tag=a&name=Alice`);
    await connect(`${url}/ws?tag=b&name=Bob`);
    await worker.text("/auto");
    await worker.text("/timeout?ms=60000");
    alice.ws.send("ping");
    expect(await alice.next()).toBe("pong");
    alice.ws.send("attach:Alicia");
    expect(await alice.next()).toBe("echo:attach:Alicia");
    const before = await worker.text("/state");
    await worker.plugin.api.hibernateDurableObjects();
    const after = await worker.text("/state");
    expect(worker.constructions()).toBe(2);
    expect(JSON.parse(after)).toEqual(JSON.parse(before));
    expect(JSON.parse(after)).toMatchObject({
      sockets: [{ name: "Bob", tags: ["b"], autoResponseAt: null }, { name: "Alicia", tags: ["a"], autoResponseAt: expect.any(Number) }],
      auto: ["ping", "pong"],
      timeout: 60000,
    });
  });

  it("answers the auto-response without waking the object, and updates the socket's timestamp", async () => {
    const worker = await useRoomWorker();
    const url = await serve(worker.mf);
    const client = await connect(`${url}/ws`);
    await worker.text("/auto");
    await worker.plugin.api.hibernateDurableObjects();
    const constructions = worker.constructions();
    const before = Date.now();
    client.ws.send("ping");
    expect(await client.next()).toBe("pong");
    client.ws.send("ping");
    expect(await client.next()).toBe("pong");
    expect(worker.constructions()).toBe(constructions);
    expect(worker.records.filter((record) => record.event === "message")).toEqual([]);
    // Only a text frame matches; a binary "ping" wakes the object.
    client.ws.send(Buffer.from("ping"));
    expect(await client.next()).toBe("echo:binary");
    expect(worker.constructions()).toBe(constructions + 1);
    const state = JSON.parse(await worker.text("/state")) as { sockets: { autoResponseAt: number }[] };
    expect(state.sockets[0]!.autoResponseAt).toBeGreaterThanOrEqual(before);
  });

  it("hibernates only objects with nothing open but hibernatable sockets: not with a timer, an accept()ed socket or an event in flight", async () => {
    const worker = await useRoomWorker();
    const url = await serve(worker.mf);
    const ids = (room: string) => [worker.plugin.api.getNamespace("ROOM").idFromName(room)];
    await worker.text("/timer?room=timer");
    const accepted = await connect(`${url}/accept?room=accepted`);
    accepted.ws.send("hi");
    expect(await accepted.next()).toBe("accepted:hi");
    void worker.text("/hang?room=busy");
    await worker.waitForRecord((record) => record.event === "constructed" && record.name === "busy");
    await connect(`${url}/ws?room=sockets`);
    await worker.text("/state?room=idle");

    expect(await worker.plugin.api.hibernateDurableObjects(ids("timer"))).toBe(0);
    expect(await worker.plugin.api.hibernateDurableObjects(ids("accepted"))).toBe(0);
    expect(await worker.plugin.api.hibernateDurableObjects(ids("busy"))).toBe(0);
    expect(worker.plugin.api.isDurableObjectInMemory(ids("sockets")[0]!)).toBe(true);
    // The object with hibernatable sockets only, and the idle one without any.
    expect(await worker.plugin.api.hibernateDurableObjects()).toBe(2);
    expect(worker.plugin.api.isDurableObjectInMemory(ids("sockets")[0]!)).toBe(false);
    expect(worker.plugin.api.isDurableObjectInMemory(ids("timer")[0]!)).toBe(true);

    // Once its timer is cleared and its socket closed, each may hibernate.
    await worker.text("/clear-timer?room=timer");
    expect(await worker.plugin.api.hibernateDurableObjects(ids("timer"))).toBe(1);
    accepted.ws.close(1000);
    await expect.poll(() => worker.plugin.api.hibernateDurableObjects(ids("accepted"))).toBe(1);
  });

  it("waits for a ctx.waitUntil() promise", async () => {
    let finish: () => void = () => {};
    const pending = new Promise<void>((resolve) => (finish = resolve));
    const script = `
      import { DurableObject } from "cloudflare:workers";
      export class Later extends DurableObject { fetch() { this.ctx.waitUntil(this.env.pending()); return new Response("ok"); } }
      export default { fetch: (request, env) => env.LATER.getByName("x").fetch(request) };`;
    const later = await useWorker(script, { durableObjects: { LATER: "Later" } }, { bindings: { pending: () => pending } });
    await later.text("/");
    expect(await later.plugin.api.hibernateDurableObjects()).toBe(0);
    finish();
    await expect.poll(() => later.plugin.api.hibernateDurableObjects()).toBe(1);
  });
});

describe("durableObjectsHibernateAfter", () => {
  it("hibernates an idle object after that many ms, logged with --debug, and logs its wake-up", async () => {
    const worker = await useRoomWorker({ durableObjectsHibernateAfter: 50 });
    const url = await serve(worker.mf);
    const client = await connect(`${url}/ws?name=Ann`);
    client.ws.send("hello");
    expect(await client.next()).toBe("echo:hello");
    expect(await worker.log.waitFor(/Durable Object Room \w+…\w+ hibernated; 1 WebSocket stays open/)).toBeTruthy();
    client.ws.send("are you there?");
    expect(await client.next()).toBe("echo:are you there?");
    expect(await worker.log.waitFor(/Durable Object Room \w+…\w+ woke up for webSocketMessage: constructed again/)).toBeTruthy();
    expect(worker.constructions()).toBe(2);
  });

  it("is checked: a non-negative integer of ms", async () => {
    expect(() => durableObjectsPlugin({ durableObjectsHibernateAfter: -1 })).toThrow(/durableObjectsHibernateAfter/);
    expect(() => durableObjectsPlugin({ durableObjectsHibernateAfter: "10" as never })).toThrow(/durableObjectsHibernateAfter/);
  });
});

describe("the event timeout", () => {
  it("resets an object whose handler runs past it: logged, its connections dropped, the next request constructs it again", async () => {
    const worker = await useRoomWorker();
    const url = await serve(worker.mf);
    const client = await connect(`${url}/ws`);
    const other = await connect(`${url}/ws`);
    await worker.text("/timeout?ms=50");
    client.ws.send("hang");
    expect(await worker.log.waitFor(/webSocketMessage\(\) of Durable Object Room .*Actor exceeded event execution time and was disconnected\./s)).toBeTruthy();
    expect((await client.closed).code).toBe(1006);
    expect((await other.closed).code).toBe(1006);
    const state = JSON.parse(await worker.text("/state")) as { sockets: unknown[]; timeout: number | null };
    expect(state).toMatchObject({ sockets: [], timeout: null });
    expect(worker.constructions()).toBe(2);
  });
});

describe("reload", () => {
  it("closes hibernatable sockets with 1012, hibernated or not", async () => {
    const worker = await useRoomWorker();
    const url = await serve(worker.mf);
    const awake = await connect(`${url}/ws?room=awake`);
    const asleep = await connect(`${url}/ws?room=asleep`);
    await worker.plugin.api.hibernateDurableObjects([worker.plugin.api.getNamespace("ROOM").idFromName("asleep")]);
    await worker.mf.reload();
    expect(await awake.closed).toEqual({ code: 1012, reason: "Service Restart" });
    expect(await asleep.closed).toEqual({ code: 1012, reason: "Service Restart" });
  });
});
