import { describe, expect, it, vi } from "vitest";
import { InputGate } from "../src/gate.js";

describe("InputGate", () => {
  it("an event waiting for the gate runs only after the code awaiting a storage result had its turn", async () => {
    const gate = new InputGate();
    const order: string[] = [];
    const first = (async () => {
      const value = await gate.hold(() => 1);
      order.push(`first got ${value}`);
      // The next operation starts before the gate opens: the waiting event must still wait.
      await gate.hold(() => 2);
      order.push("first done");
    })();
    const second = gate.whenOpen(() => order.push("second delivered"));
    await Promise.all([first, second]);
    expect(order).toEqual(["first got 1", "first done", "second delivered"]);
  });

  it("an open gate delivers at once; release is idempotent", async () => {
    const gate = new InputGate();
    expect(await gate.whenOpen(() => "at once")).toBe("at once");
    const release = gate.lock();
    expect(gate.locked).toBe(true);
    release();
    release();
    await gate.whenOpen(() => undefined);
    expect(gate.locked).toBe(false);
  });

  it("opens under fake timers too (vi.useFakeTimers() replaces the global setImmediate, not node:timers' own)", async () => {
    vi.useFakeTimers();
    try {
      const gate = new InputGate();
      await gate.hold(() => "stored");
      expect(await gate.whenOpen(() => "delivered")).toBe("delivered");
    } finally {
      vi.useRealTimers();
    }
  });
});
