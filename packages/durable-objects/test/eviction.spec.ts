// Evicting an object for a test (`evictDurableObject()` of cloudflare:test), as workerd's test eviction does:
// after the events in flight, hibernatable sockets hibernated or dropped, workerd's errors.
import { describe, expect, it } from "vitest";
import { connect, serve } from "./sandbox.js";
import { useRoomWorker } from "./hibernation-fixture.js";

describe("evictWhenSettled()", () => {
  it("waits for the object's event in flight, then drops the instance; false once nothing is alive", async () => {
    const worker = await useRoomWorker();
    const id = worker.plugin.api.getNamespace("ROOM").idFromName("lobby");
    let finish!: () => void;
    const started = new Promise<void>((resolve) => {
      void worker.plugin.api.runInObject(id, () => {
        resolve();
        return new Promise<void>((done) => (finish = done));
      });
    });
    await started;
    let evicted: boolean | undefined;
    const eviction = worker.plugin.api.evictWhenSettled(id).then((result) => (evicted = result));
    // The event is still running: several turns of the event loop later, the object is still in memory.
    await new Promise((resolve) => setImmediate(resolve));
    expect(evicted).toBeUndefined();
    expect(worker.plugin.api.isDurableObjectInMemory(id)).toBe(true);
    finish();
    await eviction;
    expect(evicted).toBe(true);
    expect(worker.plugin.api.isDurableObjectInMemory(id)).toBe(false);
    expect(await worker.plugin.api.evictWhenSettled(id)).toBe(false);
    expect(await worker.plugin.api.evictWhenSettled(undefined)).toBe(false);
  });

  it("rejects with workerd's error when an event is still in flight at the deadline", async () => {
    const worker = await useRoomWorker();
    const id = worker.plugin.api.getNamespace("ROOM").idFromName("lobby");
    void worker.plugin.api.runInObject(id, () => new Promise(() => {}));
    await expect(worker.plugin.api.evictWhenSettled(id, { timeout: 1 })).rejects.toThrow(
      new Error("Timed out waiting to evict Durable Object: it still has active references."),
    );
    expect(worker.plugin.api.isDurableObjectInMemory(id)).toBe(true);
  });

  it("hibernates the object's hibernatable sockets by default: the next message constructs it again", async () => {
    const worker = await useRoomWorker();
    const client = await connect(`${await serve(worker.mf)}/ws?name=Ann`);
    expect(await worker.plugin.api.evictWhenSettled(undefined)).toBe(true);
    expect(worker.constructions()).toBe(1);
    client.ws.send("hello");
    expect(await client.next()).toBe("echo:hello");
    expect(worker.constructions()).toBe(2);
    expect(worker.records.at(-1)).toMatchObject({ event: "message", name: "Ann", memory: "set by the constructor" });
  });

  it('drops them with webSockets: "close" (the client sees 1006); the object starts again without them', async () => {
    const worker = await useRoomWorker();
    const url = await serve(worker.mf);
    const client = await connect(`${url}/ws?name=Ann`);
    const id = worker.plugin.api.getNamespace("ROOM").idFromName("lobby");
    expect(await worker.plugin.api.evictWhenSettled(id, { webSockets: "close" })).toBe(true);
    expect((await client.closed).code).toBe(1006);
    expect(JSON.parse(await worker.text("/state")).sockets).toEqual([]);
  });

  it("refuses another webSockets value with workerd's TypeError", async () => {
    const worker = await useRoomWorker();
    const id = worker.plugin.api.getNamespace("ROOM").idFromName("lobby");
    const wrong = { webSockets: "keep" } as unknown as { webSockets: "close" };
    await expect(worker.plugin.api.evictWhenSettled(id, wrong)).rejects.toThrow(new TypeError('options.webSockets must be "hibernate" or "close".'));
    expect(() => worker.plugin.api.evict(id, wrong)).toThrow(TypeError);
  });
});
