/**
 * `Interrupter` (src/interrupter.ts): what the worker's requests in flight and the HTTP server's streamed
 * bodies are failed with when something outside them ends them.
 */
import { describe, expect, it } from "vitest";
import { Interrupter } from "@flarelet/core";
import { rejectionOf } from "./helpers.js";

describe("Interrupter", () => {
  it("passes a guarded promise's value and rejection through while nothing interrupts", async () => {
    const interrupter = new Interrupter();
    expect(await interrupter.guard(Promise.resolve("value"))).toBe("value");
    const failure = new Error("its own failure");
    expect(await rejectionOf(interrupter.guard(Promise.reject(failure)))).toBe(failure);
  });

  it("fails every pending guard with the interruption's error, and every later guard too", async () => {
    const interrupter = new Interrupter();
    const never = new Promise<never>(() => {});
    const pending = [rejectionOf(interrupter.guard(never)), rejectionOf(interrupter.guard(never))];
    const interruption = new Error("interrupted");
    interrupter.interrupt(interruption);
    expect(await Promise.all(pending)).toEqual([interruption, interruption]);
    expect(await rejectionOf(interrupter.guard(Promise.resolve("too late")))).toBe(interruption);
  });

  it("keeps the first interruption: a second one changes nothing", async () => {
    const interrupter = new Interrupter();
    const first = new Error("first");
    interrupter.interrupt(first);
    interrupter.interrupt(new Error("second"));
    expect(await rejectionOf(interrupter.guard(new Promise<never>(() => {})))).toBe(first);
  });

  it("a guard that settled is not failed by a later interruption", async () => {
    const interrupter = new Interrupter();
    const settled = interrupter.guard(Promise.resolve("done"));
    await settled;
    interrupter.interrupt(new Error("after the fact"));
    expect(await settled).toBe("done");
  });
});
