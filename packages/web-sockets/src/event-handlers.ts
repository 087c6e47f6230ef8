/**
 * `onopen`, `onmessage`, `onclose` and `onerror`: event handler properties, as workerd's WebSocket has
 * them. As there (measured with the conformance harness), they start undefined and keep whatever is
 * assigned; the first assignment registers one listener for the event, which calls the property's value
 * when the event comes if it is a function (so replacing the handler keeps its place among the listeners).
 */
import type { Listener } from "@flarelet/core";

const HANDLED_EVENTS = ["open", "message", "close", "error"] as const;

interface HandlerSlots {
  handlers: Map<string, unknown>;
  registered: Set<string>;
}

const slotsOf = new WeakMap<object, HandlerSlots>();

/** Defines the `on…` properties on `prototype`; `addListener` registers with the socket's own list. */
export function defineEventHandlers(prototype: object, addListener: (socket: object, type: string, listener: Listener) => void): void {
  for (const type of HANDLED_EVENTS) {
    Object.defineProperty(prototype, `on${type}`, {
      configurable: true,
      enumerable: true,
      get(this: object) {
        return slotsOf.get(this)?.handlers.get(type);
      },
      set(this: object, value: unknown) {
        let slots = slotsOf.get(this);
        if (slots === undefined) slotsOf.set(this, (slots = { handlers: new Map(), registered: new Set() }));
        slots.handlers.set(type, value);
        if (slots.registered.has(type)) return;
        slots.registered.add(type);
        const socket = this;
        const handlers = slots.handlers;
        addListener(socket, type, function (this: unknown, event: Event) {
          const handler = handlers.get(type);
          return typeof handler === "function" ? (handler as (event: Event) => unknown).call(socket, event) : undefined;
        });
      },
    });
  }
}
