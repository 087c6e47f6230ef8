/**
 * The worker's `EventTarget` behaves as workerd's: a listener's exception comes out of `dispatchEvent()`
 * (Node would turn it into an uncaught exception that ends the process), capturing and passive listeners
 * are refused, and returning `true` cancels the event. Every check runs inside the worker.
 */
import { describe, expect, it } from "vitest";
import { LogLevel } from "@flarelet/core";
import { captureLog, jsonWorker, useCore, waitFor } from "./helpers.js";

const cores = useCore();

async function inWorker(body: string): Promise<unknown> {
  const mf = cores.create({ modules: true, script: jsonWorker(body) });
  return (await mf.dispatchFetch()).json();
}

describe("EventTarget in the worker", () => {
  it("a listener's exception ends the dispatch and comes out of dispatchEvent(), like workerd's", async () => {
    const result = await inWorker(`
      const target = new EventTarget();
      const called = [];
      target.addEventListener("ping", () => called.push("first"));
      target.addEventListener("ping", () => { called.push("second"); throw new RangeError("listener failed"); });
      target.addEventListener("ping", () => called.push("third"));
      let caught;
      try { target.dispatchEvent(new Event("ping")); } catch (error) { caught = error; }
      // The target still works: the next dispatch runs the listeners again, from the first.
      called.push("--");
      try { target.dispatchEvent(new Event("ping")); } catch {}
      return {
        called,
        isRangeError: caught instanceof RangeError,
        sameRealm: Object.getPrototypeOf(caught) === RangeError.prototype,
        message: caught?.message,
      };
    `);
    expect(result).toEqual({
      called: ["first", "second", "--", "first", "second"],
      isRangeError: true,
      sameRealm: true,
      message: "listener failed",
    });
  });

  it("a listener may catch what a nested dispatch threw, and the outer dispatch goes on", async () => {
    const result = await inWorker(`
      const target = new EventTarget();
      const seen = [];
      target.addEventListener("inner", () => { throw new Error("inner failed"); });
      target.addEventListener("outer", () => {
        try { target.dispatchEvent(new Event("inner")); } catch (error) { seen.push("caught " + error.message); }
      });
      target.addEventListener("outer", () => seen.push("second outer listener"));
      return { returned: target.dispatchEvent(new Event("outer")), seen };
    `);
    expect(result).toEqual({ returned: true, seen: ["caught inner failed", "second outer listener"] });
  });

  it("keeps Node's listener semantics: removal, once, signal, handleEvent objects, duplicates, this", async () => {
    const result = await inWorker(`
      const target = new EventTarget();
      const calls = [];
      const removed = () => calls.push("removed");
      const twice = () => calls.push("added twice");
      const controller = new AbortController();
      target.addEventListener("go", removed);
      target.removeEventListener("go", removed);
      target.addEventListener("go", twice);
      target.addEventListener("go", twice);
      target.addEventListener("go", () => calls.push("once"), { once: true });
      target.addEventListener("go", () => calls.push("until aborted"), { signal: controller.signal });
      target.addEventListener("go", { handleEvent(event) { calls.push("object " + event.type); } });
      target.addEventListener("go", function () { calls.push("this is target: " + (this === target)); });
      target.dispatchEvent(new Event("go"));
      controller.abort();
      calls.push("--");
      target.dispatchEvent(new Event("go"));
      return calls;
    `);
    expect(result).toEqual([
      "added twice",
      "once",
      "until aborted",
      "object go",
      "this is target: true",
      "--",
      "added twice",
      "object go",
      "this is target: true",
    ]);
  });

  it("sets the event's target; stopImmediatePropagation() ends the dispatch, stopPropagation() does not", async () => {
    const result = await inWorker(`
      class Ping extends Event {}
      const target = new EventTarget();
      const calls = [];
      target.addEventListener("a", (event) => { calls.push(event.target === target && event.currentTarget === target); event.stopPropagation(); });
      target.addEventListener("a", () => calls.push("after stopPropagation"));
      target.addEventListener("b", (event) => event.stopImmediatePropagation());
      target.addEventListener("b", () => calls.push("after stopImmediatePropagation"));
      target.dispatchEvent(new Event("a"));
      target.dispatchEvent(new Ping("b"));
      return calls;
    `);
    expect(result).toEqual([true, "after stopPropagation"]);
  });

  it("returning true from a listener is preventDefault(), as in workerd", async () => {
    const result = await inWorker(`
      const target = new EventTarget();
      target.addEventListener("cancel-me", () => true);
      const event = new Event("cancel-me", { cancelable: true });
      return { returned: target.dispatchEvent(event), defaultPrevented: event.defaultPrevented };
    `);
    expect(result).toEqual({ returned: false, defaultPrevented: true });
  });

  it("refuses capturing and passive listeners with workerd's TypeErrors", async () => {
    const result = await inWorker(`
      const target = new EventTarget();
      const attempts = [
        () => target.addEventListener("x", () => {}, true),
        () => target.addEventListener("x", () => {}, { capture: true }),
        () => target.addEventListener("x", () => {}, { passive: true }),
        () => target.removeEventListener("x", () => {}, true),
        () => target.removeEventListener("x", () => {}, { capture: true }),
      ];
      return attempts.map((attempt) => {
        try { attempt(); return "no error"; }
        catch (error) { return (error instanceof TypeError) + " " + error.message; }
      });
    `);
    expect(result).toEqual([
      "true addEventListener(): useCapture must be false.",
      "true addEventListener(): options.capture must be false.",
      "true addEventListener(): options.passive must be false.",
      "true removeEventListener(): useCapture must be false.",
      "true removeEventListener(): options.capture must be false.",
    ]);
  });

  it("instanceof EventTarget holds for the runtime's targets, and subclasses keep the ordinary check", async () => {
    const result = await inWorker(`
      class Room extends EventTarget {}
      const room = new Room();
      const thrown = [];
      room.addEventListener("join", () => { throw new Error("subclass listener"); });
      try { room.dispatchEvent(new Event("join")); } catch (error) { thrown.push(error.message); }
      return {
        plain: new EventTarget() instanceof EventTarget,
        signal: new AbortController().signal instanceof EventTarget,
        room: room instanceof EventTarget && room instanceof Room,
        plainIsNotRoom: new EventTarget() instanceof Room,
        eventIsNot: new Event("x") instanceof EventTarget,
        name: EventTarget.name,
        tag: Object.prototype.toString.call(room),
        thrown,
      };
    `);
    expect(result).toEqual({
      plain: true,
      signal: true,
      room: true,
      plainIsNotRoom: false,
      eventIsNot: false,
      name: "EventTarget",
      tag: "[object EventTarget]",
      thrown: ["subclass listener"],
    });
  });
});

describe("AbortController and AbortSignal in the worker", () => {
  it("a throwing abort listener makes controller.abort() throw, as in workerd (Node would crash the process)", async () => {
    const result = await inWorker(`
      const controller = new AbortController();
      const called = [];
      controller.signal.addEventListener("abort", () => { called.push("first"); throw new TypeError("abort listener failed"); });
      controller.signal.addEventListener("abort", () => called.push("second"));
      let thrown;
      try { controller.abort("why"); } catch (error) { thrown = (error instanceof TypeError) + " " + error.message; }
      return { thrown, called, aborted: controller.signal.aborted, reason: controller.signal.reason };
    `);
    expect(result).toEqual({ thrown: "true abort listener failed", called: ["first"], aborted: true, reason: "why" });
  });

  it("the onabort handler and AbortSignal.any() dependants are covered too", async () => {
    const result = await inWorker(`
      const viaProperty = new AbortController();
      viaProperty.signal.onabort = () => { throw new Error("onabort failed"); };
      const source = new AbortController();
      const combined = AbortSignal.any([source.signal]);
      combined.addEventListener("abort", () => { throw new Error("dependant failed"); });
      const messages = [];
      for (const controller of [viaProperty, source]) {
        try { controller.abort(); messages.push("no error"); } catch (error) { messages.push(error.message); }
      }
      return { messages, combinedAborted: combined.aborted };
    `);
    expect(result).toEqual({ messages: ["onabort failed", "dependant failed"], combinedAborted: true });
  });

  it("a throwing listener of AbortSignal.timeout() is logged, and the worker keeps serving", async () => {
    const { log, lines } = captureLog(LogLevel.ERROR);
    const mf = cores.create({
      modules: true,
      log,
      script: `export default {
        fetch() {
          const signal = AbortSignal.timeout(1);
          signal.addEventListener("abort", () => { throw new RangeError("timeout listener failed"); });
          return new Response("armed");
        },
      };`,
    });
    expect(await (await mf.dispatchFetch()).text()).toBe("armed");
    await waitFor(() => lines.length > 0);
    expect(lines[0]).toMatch(
      /^\[flarelet:err\] Uncaught exception in an "abort" listener of AbortSignal\.timeout\(\): RangeError: timeout listener failed\n/,
    );
    expect(await (await mf.dispatchFetch()).text()).toBe("armed");
  });

  it("keeps Node's signals working: fetch() aborts, instanceof holds, new AbortSignal() is illegal", async () => {
    const result = await inWorker(`
      const controller = new AbortController();
      const pending = fetch("http://127.0.0.1:1/", { signal: controller.signal });
      controller.abort();
      const fetchError = await pending.then(() => "resolved", (error) => error.name);
      let constructed;
      try { new AbortSignal(); constructed = "constructed"; } catch (error) { constructed = (error instanceof TypeError) + " " + error.message; }
      return {
        fetchError,
        constructed,
        controller: controller instanceof AbortController,
        signals: [controller.signal, AbortSignal.abort(), AbortSignal.timeout(1000), request.signal].map((signal) => signal instanceof AbortSignal && signal instanceof EventTarget),
        alreadyAborted: AbortSignal.abort("done").reason,
      };
    `);
    expect(result).toEqual({
      fetchError: "AbortError",
      constructed: "true Illegal constructor",
      controller: true,
      signals: [true, true, true, true],
      alreadyAborted: "done",
    });
  });
});
