import { describe, expect, it } from "vitest";
import { DurableObjectId, DurableObjectIdFactory } from "../src/ids.js";

describe("DurableObjectIdFactory", () => {
  // Miniflare 4 (workerd) gives these for `idFromName("foo")` in classes Kv and Sql of an unnamed worker.
  it("idFromName matches workerd's ids for the same namespace key", () => {
    expect(new DurableObjectIdFactory("-Kv").idFromName("foo").toString()).toBe(
      "635e8d35ff96a6fde2cb2a80f27a232a5fb1f1cd3c3bdb71330e069c2ed11c66",
    );
    expect(new DurableObjectIdFactory("-Sql").idFromName("foo").toString()).toBe(
      "5fdb393a13d679b4af686a38ce815bade015fe621eb7e3a4a6728b44d8ac2101",
    );
  });

  it("idFromName is deterministic per namespace and keeps the name", () => {
    const factory = new DurableObjectIdFactory("-A");
    const id = factory.idFromName("room");
    expect(id.equals(factory.idFromName("room"))).toBe(true);
    expect(id.equals(factory.idFromName("other"))).toBe(false);
    expect(id.equals(new DurableObjectIdFactory("-B").idFromName("room"))).toBe(false);
    expect(id.name).toBe("room");
    expect(id.jurisdiction).toBeUndefined();
  });

  it("idFromString accepts the namespace's own ids and refuses others with workerd's TypeErrors", () => {
    const factory = new DurableObjectIdFactory("-A");
    const unique = factory.newUniqueId();
    expect(unique.toString()).toMatch(/^[0-9a-f]{64}$/);
    expect(unique.name).toBeUndefined();
    const parsed = factory.idFromString(unique.toString());
    expect(parsed.equals(unique)).toBe(true);
    expect(parsed.name).toBeUndefined();
    expect(factory.idFromString(unique.toString().toUpperCase()).toString()).toBe(unique.toString());
    expect(() => factory.idFromString("abc")).toThrow(new TypeError("Invalid Durable Object ID: must be 64 hex digits"));
    expect(() => factory.idFromString("z".repeat(64))).toThrow(new TypeError("Invalid Durable Object ID: must be 64 hex digits"));
    expect(() => factory.idFromString(new DurableObjectIdFactory("-B").newUniqueId().toString())).toThrow(
      new TypeError("Durable Object ID is not valid for this namespace."),
    );
  });

  it("newUniqueId: distinct ids; jurisdictions are not implemented (workerd's Error)", () => {
    const factory = new DurableObjectIdFactory("-A");
    expect(factory.newUniqueId().equals(factory.newUniqueId())).toBe(false);
    expect(() => factory.newUniqueId({ jurisdiction: "eu" })).toThrow(
      new Error("Jurisdiction restrictions are not implemented in workerd."),
    );
    expect(new DurableObjectId("a".repeat(64)).equals({} as DurableObjectId)).toBe(false);
  });
});
