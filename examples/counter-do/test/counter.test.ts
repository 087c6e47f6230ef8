// The Durable Object's own tests: its methods called directly (runInDurableObject) and over RPC, its
// storage and SQL history, and the worker's routes in front of it.
import { env, listDurableObjectIds, runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Counter } from "../src/index";

describe("Counter", () => {
  it("counts over RPC and keeps its history in SQL", async () => {
    const counter = env.COUNTER.getByName("alice");
    expect(await counter.increment()).toBe(1);
    expect(await counter.increment(4)).toBe(5);
    expect(await counter.current()).toBe(5);
    expect(await counter.history()).toEqual([1, 5]);
  });

  it("is an instance of the class, whose storage a test can read from inside", async () => {
    const stub = env.COUNTER.getByName("bob");
    await stub.increment(2);
    await runInDurableObject(stub, async (instance: Counter, state) => {
      expect(instance).toBeInstanceOf(Counter);
      expect(await state.storage.get("value")).toBe(2);
      expect(state.storage.sql.exec("SELECT count(*) AS n FROM history").one().n).toBe(1);
    });
    expect((await listDurableObjectIds(env.COUNTER)).map(String)).toContain(env.COUNTER.idFromName("bob").toString());
  });

  it("starts from nothing in each test file", async () => {
    expect(await env.COUNTER.getByName("carol").current()).toBe(0);
  });
});

describe("the worker's routes", () => {
  it("routes /<name>/increment, /<name> and /<name>/history to the object called <name>", async () => {
    expect(await (await SELF.fetch("http://localhost/dave/increment")).json()).toEqual({ name: "dave", value: 1 });
    expect(await (await SELF.fetch("http://localhost/dave/increment")).json()).toEqual({ name: "dave", value: 2 });
    expect(await (await SELF.fetch("http://localhost/dave")).json()).toEqual({ name: "dave", value: 2 });
    expect(await (await SELF.fetch("http://localhost/dave/history")).json()).toEqual({ name: "dave", history: [1, 2] });
    expect((await SELF.fetch("http://localhost/dave/nope")).status).toBe(404);
  });
});
