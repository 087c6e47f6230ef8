/**
 * `ListenerList`, the one listener list behind the worker's EventTarget, its global addEventListener and the
 * web-sockets WebSocket: the DOM's rules, and the throw policy as a parameter.
 */
import { describe, expect, it } from "vitest";
import { ListenerList, WorkersEvent, type ListenerListOptions } from "@flarelet/core";

function calls(options?: ListenerListOptions) {
  const list = new ListenerList(options);
  const log: string[] = [];
  return { list, log, record: (name: string) => () => void log.push(name) };
}

describe("ListenerList: what happens when a listener throws", () => {
  const boom = new RangeError("boom");

  it("without onError, the first exception ends the dispatch and dispatch() throws it", () => {
    const { list, log, record } = calls();
    list.add("x", record("first"));
    list.add("x", () => {
      throw boom;
    });
    list.add("x", record("third"));
    expect(() => list.dispatch(undefined, new Event("x"))).toThrow(boom);
    expect(log).toEqual(["first"]);
  });

  it.each([
    ["continue", ["first", "third"]],
    ["stop", ["first"]],
  ] as const)("onError returning %s: reported, and the dispatch %s", (decision, expected) => {
    const reported: unknown[] = [];
    const { list, log, record } = calls({
      onError(error, event) {
        reported.push([error, event.type]);
        return decision;
      },
    });
    list.add("x", record("first"));
    list.add("x", () => {
      throw boom;
    });
    list.add("x", record("third"));
    list.dispatch(undefined, new Event("x"));
    expect(log).toEqual(expected);
    expect(reported).toEqual([[boom, "x"]]);
  });

  it("onRejection receives what a listener's promise rejects with; without it the promise is left alone", async () => {
    const rejected: unknown[] = [];
    const { list } = calls({ onRejection: (error) => void rejected.push(error) });
    list.add("x", async () => {
      throw boom;
    });
    list.dispatch(undefined, new Event("x"));
    await new Promise((resolve) => setImmediate(resolve));
    expect(rejected).toEqual([boom]);
  });

  it("the options object may be a class instance: its methods are called with it as `this`", () => {
    class Owner implements ListenerListOptions {
      readonly seen: unknown[] = [];
      onError(error: unknown): "continue" {
        this.seen.push(error);
        return "continue";
      }
    }
    const owner = new Owner();
    const list = new ListenerList(owner);
    list.add("x", () => {
      throw boom;
    });
    list.dispatch(undefined, new Event("x"));
    expect(owner.seen).toEqual([boom]);
  });
});

describe("ListenerList: the DOM's rules", () => {
  it("calls listeners in order, with `this` the target, and handleEvent objects with themselves", () => {
    const list = new ListenerList();
    const target = {};
    const seen: unknown[] = [];
    list.add("x", function (this: unknown) {
      seen.push(this === target);
    });
    const object = {
      handleEvent(this: unknown) {
        seen.push(this === object);
      },
    };
    list.add("x", object);
    list.dispatch(target, new Event("x"));
    expect(seen).toEqual([true, true]);
  });

  it("ignores a duplicate (same listener, same capture flag) and null", () => {
    const { list, log, record } = calls();
    const listener = record("once");
    list.add("x", listener);
    list.add("x", listener);
    list.add("x", listener, { capture: false });
    list.add("x", null);
    list.dispatch(undefined, new Event("x"));
    expect(log).toEqual(["once"]);
    expect(list.count("x")).toBe(1);
  });

  it("once, signal, and removal: added or removed listeners during a dispatch follow the DOM", () => {
    const { list, log, record } = calls();
    const controller = new AbortController();
    const later = record("added during the dispatch");
    const removed = record("removed during the dispatch");
    list.add("x", record("once"), { once: true });
    list.add("x", record("until aborted"), { signal: controller.signal });
    list.add("x", () => {
      list.add("x", later);
      list.remove("x", removed);
    });
    list.add("x", removed);
    list.dispatch(undefined, new Event("x"));
    controller.abort();
    list.dispatch(undefined, new Event("x"));
    expect(log).toEqual(["once", "until aborted", "added during the dispatch"]);
  });

  it("a signal that has already aborted adds nothing", () => {
    const list = new ListenerList();
    list.add("x", () => {}, { signal: AbortSignal.abort() });
    expect(list.count()).toBe(0);
  });

  it("stopImmediatePropagation() ends the dispatch, stopPropagation() does not, for Node's events and flarelet's", () => {
    for (const make of [(type: string) => new Event(type), (type: string) => new WorkersEvent(type)]) {
      const { list, log, record } = calls();
      list.add("immediate", (event) => event.stopImmediatePropagation());
      list.add("immediate", record("after stopImmediatePropagation"));
      list.add("propagation", (event) => event.stopPropagation());
      list.add("propagation", record("after stopPropagation"));
      const event = make("immediate");
      list.dispatch(undefined, event);
      list.dispatch(undefined, make("propagation"));
      expect(log).toEqual(["after stopPropagation"]);
      // Nothing is left on a Node event after the dispatch.
      expect(Object.hasOwn(event, "stopImmediatePropagation")).toBe(false);
    }
  });

  it("returning true cancels the event only with returnTrueCancels", () => {
    for (const returnTrueCancels of [true, false]) {
      const list = new ListenerList({ returnTrueCancels });
      list.add("x", () => true);
      const event = new Event("x", { cancelable: true });
      list.dispatch(undefined, event);
      expect(event.defaultPrevented).toBe(returnTrueCancels);
    }
  });

  it("a WorkersEvent gets the target it is dispatched to; onEmpty says when a type has no listener left", () => {
    const emptied: string[] = [];
    const list = new ListenerList({ onEmpty: (type) => void emptied.push(type) });
    const target = {};
    let seen: unknown;
    list.add("x", (event) => (seen = [event.target, event.currentTarget]), { once: true });
    list.dispatch(target, new WorkersEvent("x"));
    expect(seen).toEqual([target, target]);
    expect(emptied).toEqual(["x"]);
  });
});
