/**
 * Listener bookkeeping for the Workers WebSocket. The socket dispatches its own events instead of going
 * through Node's `EventTarget#dispatchEvent`, for two reasons: Node reports a listener's exception with
 * `process.nextTick(() => { throw error })`, an uncaught exception that would bring the whole process down
 * (Miniflare 2's crash, miniflare#339), and Node's dispatch costs more than the rest of a message's trip.
 */
export type Listener = ((event: Event) => unknown) | { handleEvent(event: Event): unknown };

export interface ListenerOptions {
  capture?: boolean;
  once?: boolean;
  signal?: AbortSignal;
}

export interface ListenerEntry {
  readonly listener: Listener;
  readonly capture: boolean;
  readonly once: boolean;
  removed: boolean;
}

export class ListenerList {
  readonly #byType = new Map<string, ListenerEntry[]>();

  add(type: string, listener: Listener | null, options?: boolean | ListenerOptions): void {
    if (listener === null || listener === undefined) return;
    const { capture, once, signal } = normalise(options);
    if (signal?.aborted) return;
    const entries = this.#byType.get(type) ?? [];
    // The DOM ignores a second registration of the same listener with the same capture flag.
    if (entries.some((entry) => entry.listener === listener && entry.capture === capture)) return;
    const entry: ListenerEntry = { listener, capture, once, removed: false };
    entries.push(entry);
    this.#byType.set(type, entries);
    signal?.addEventListener("abort", () => this.#remove(type, entry), { once: true });
  }

  remove(type: string, listener: Listener | null, options?: boolean | ListenerOptions): void {
    const capture = normalise(options).capture;
    const entry = this.#byType.get(type)?.find((item) => item.listener === listener && item.capture === capture);
    if (entry !== undefined) this.#remove(type, entry);
  }

  /** The listeners to call for `type`, in registration order; `once` listeners are removed as they are taken. */
  take(type: string): readonly ListenerEntry[] | undefined {
    const entries = this.#byType.get(type);
    if (entries === undefined || entries.length === 0) return undefined;
    // Listeners added during dispatch must not run for this event, removed ones must not: dispatch a copy
    // and check `removed` before each call.
    const snapshot = entries.length === 1 ? [entries[0]!] : [...entries];
    for (const entry of snapshot) if (entry.once) this.#remove(type, entry, true);
    return snapshot;
  }

  #remove(type: string, entry: ListenerEntry, takenForDispatch = false): void {
    const entries = this.#byType.get(type);
    const index = entries?.indexOf(entry) ?? -1;
    if (index === -1) return;
    entries!.splice(index, 1);
    // A `once` entry stays callable for the dispatch that took it.
    if (!takenForDispatch) entry.removed = true;
  }
}

function normalise(options: boolean | ListenerOptions | undefined): Required<Omit<ListenerOptions, "signal">> & { signal?: AbortSignal } {
  if (typeof options === "boolean") return { capture: options, once: false };
  return { capture: options?.capture === true, once: options?.once === true, signal: options?.signal };
}

export function invokeListener(entry: ListenerEntry, target: EventTarget, event: Event): unknown {
  const { listener } = entry;
  return typeof listener === "function" ? listener.call(target, event) : listener.handleEvent(event);
}
