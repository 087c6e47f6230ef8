/**
 * Runs objects' alarms when they are due, with workerd's retries (src/workerd/server/alarm-scheduler.c++):
 * an `alarm()` that throws is run again after 2 s, 4 s, 8 s… (2 s << n, plus up to 25% jitter), at most six
 * times, with `alarmInfo.retryCount` and `isRetry`. An alarm that succeeded is deleted unless the handler
 * set a new one. Alarms live in the objects' storage, so they outlast reloads and, persisted, restarts.
 */
export const RETRY_START_SECONDS = 2;
export const RETRY_MAX_TRIES = 6;
const RETRY_JITTER_FACTOR = 0.25;
/** setTimeout's longest delay; a later alarm waits in steps. */
const MAX_TIMER_DELAY = 2 ** 31 - 1;

export interface AlarmInfo {
  readonly retryCount: number;
  readonly isRetry: boolean;
}

export interface AlarmTarget {
  /** The alarm time stored now, if any. */
  storedAlarm(): number | undefined;
  /** Deletes the stored alarm if it is still `time`. */
  clearAlarm(time: number): void;
  /** Runs the object's `alarm(info)`; rejects if it threw. */
  runAlarm(info: AlarmInfo): Promise<void>;
}

interface Entry {
  timer: NodeJS.Timeout | undefined;
  time: number;
  retries: number;
  running: boolean;
}

/** The delay before retry number `retry` (0-based), as workerd computes it. */
export function retryDelay(retry: number, random: () => number = Math.random): number {
  const delay = (RETRY_START_SECONDS << Math.min(retry, 9)) * 1000;
  return delay + Math.floor(random() * Math.floor(RETRY_JITTER_FACTOR * delay));
}

export class AlarmScheduler {
  readonly #entries = new Map<string, Entry>();
  readonly #target: (key: string) => AlarmTarget | undefined;
  readonly #onError: (key: string, error: unknown, willRetry: boolean) => void;
  #closed = false;

  /** `target(key)` finds the object an alarm belongs to when it is due. */
  constructor(target: (key: string) => AlarmTarget | undefined, onError: (key: string, error: unknown, willRetry: boolean) => void) {
    this.#target = target;
    this.#onError = onError;
  }

  /** (Re)schedules the alarm of object `key` for `time`, or cancels it. */
  schedule(key: string, time: number | undefined): void {
    const entry = this.#entries.get(key);
    if (entry !== undefined) {
      if (entry.running && time !== undefined) {
        // Set from inside alarm(): it runs once this run has finished.
        entry.time = time;
        entry.retries = 0;
        return;
      }
      clearTimeout(entry.timer);
      this.#entries.delete(key);
    }
    if (time === undefined || this.#closed) return;
    const next: Entry = { timer: undefined, time, retries: 0, running: false };
    this.#entries.set(key, next);
    this.#arm(key, next, time - Date.now());
  }

  /** Cancels every timer (dispose). */
  close(): void {
    this.#closed = true;
    for (const entry of this.#entries.values()) clearTimeout(entry.timer);
    this.#entries.clear();
  }

  #arm(key: string, entry: Entry, delay: number): void {
    const wait = Math.max(0, delay);
    entry.timer = setTimeout(() => {
      if (wait > MAX_TIMER_DELAY) return this.#arm(key, entry, entry.time - Date.now());
      void this.#run(key, entry);
    }, Math.min(wait, MAX_TIMER_DELAY));
    entry.timer.unref?.();
  }

  async #run(key: string, entry: Entry): Promise<void> {
    const target = this.#target(key);
    if (target === undefined || this.#entries.get(key) !== entry) return;
    const scheduled = entry.time;
    entry.running = true;
    let failure: unknown;
    let failed = false;
    try {
      await target.runAlarm({ retryCount: entry.retries, isRetry: entry.retries > 0 });
    } catch (error) {
      failed = true;
      failure = error;
    }
    entry.running = false;
    if (this.#closed || this.#entries.get(key) !== entry) return;
    if (entry.time !== scheduled) {
      // The handler set a new alarm: that one runs next.
      this.#arm(key, entry, entry.time - Date.now());
      return;
    }
    if (failed) {
      const willRetry = entry.retries < RETRY_MAX_TRIES && target.storedAlarm() !== undefined;
      this.#onError(key, failure, willRetry);
      if (willRetry) {
        this.#arm(key, entry, retryDelay(entry.retries));
        entry.retries++;
        return;
      }
    }
    this.#entries.delete(key);
    target.clearAlarm(scheduled);
  }
}
