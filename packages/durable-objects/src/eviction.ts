/**
 * Evicting an object for a test, as workerd's `evictForTest` does (src/workerd/server/server.c++,
 * `ActorContainer::evictWhenIdle`, and src/workerd/api/unsafe.c++): never in the middle of an event — it
 * waits until none is in flight, for at most 30 s — then the instance goes, storage stays, and the object's
 * hibernatable WebSockets hibernate (stay open) or, with `webSockets: "close"`, are dropped.
 *
 * What counts as in flight here is an event being delivered (a request, an RPC call, an alarm, a WebSocket
 * message, `runInDurableObject()`). workerd also counts a WebSocket the object `accept()`ed the standard
 * way, whose request stays open; here such a socket does not hold the eviction back (see the README).
 */
import { clearTimeout, setTimeout } from "node:timers";
import type { EvictWebSockets, ObjectHost } from "./host.js";

/** workerd's `EVICT_TIMEOUT`. */
export const EVICT_TIMEOUT_MS = 30_000;

export interface EvictionOptions {
  /** What happens to the object's hibernatable WebSockets. @default "hibernate" */
  webSockets?: EvictWebSockets;
}

/** The validated `webSockets` option; workerd's TypeError for anything else. */
export function evictWebSockets(options: EvictionOptions): EvictWebSockets {
  const { webSockets } = options;
  if (webSockets === undefined) return "hibernate";
  if (webSockets === "hibernate" || webSockets === "close") return webSockets;
  throw new TypeError('options.webSockets must be "hibernate" or "close".');
}

/**
 * Evicts `host` once no event is in flight in it; false if it had no instance by then. Rejects with
 * workerd's error if events are still in flight after `timeout` ms. The deadline is on node:timers, which
 * vitest's fake timers leave alone.
 */
export async function evictWhenSettled(host: ObjectHost, webSockets: EvictWebSockets, timeout: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("Timed out waiting to evict Durable Object: it still has active references.")), timeout);
  });
  try {
    // An event may start between the last one settling and this continuation: wait again, as workerd's loop does.
    while (host.busy) await Promise.race([host.eventsSettled(), timedOut]);
  } finally {
    clearTimeout(timer);
  }
  return host.evict(webSockets);
}
