/**
 * `navigator` and `performance`, as workerd has them (api/global-scope.h, `Navigator` and `Performance`):
 * instances of classes the worker cannot construct, with workerd's fixed values. `navigator` exists from
 * compatibility date 2022-03-21 (flag `global_navigator`).
 */
import type { WorkersFetch } from "./fetch.js";

const kInternal = Symbol("flarelet.internal");

export class Navigator {
  constructor(token?: unknown) {
    if (token !== kInternal) throw new TypeError("Illegal constructor");
  }

  get userAgent(): string {
    return "Cloudflare-Workers";
  }

  /** workerd reports a single CPU: a worker runs on one thread. */
  get hardwareConcurrency(): number {
    return 1;
  }

  get language(): string {
    return "en";
  }

  get languages(): string[] {
    return ["en"];
  }

  get platform(): string {
    return "";
  }

  get [Symbol.toStringTag](): string {
    return "Navigator";
  }
}

/** The worker's navigator; `sendBeacon` sends a POST in the background through the worker's `fetch`. */
export function createNavigator(fetch: WorkersFetch, onError: (error: unknown) => void): Navigator {
  const navigator = new Navigator(kInternal);
  Object.defineProperty(navigator, "sendBeacon", {
    configurable: true,
    writable: true,
    value: function sendBeacon(url: string, body?: ConstructorParameters<typeof Response>[0]): boolean {
      fetch(url, { method: "POST", body: body ?? null }).then((response) => response.body?.cancel(), onError);
      return true;
    },
  });
  return navigator;
}

export class Performance {
  constructor(token?: unknown) {
    if (token !== kInternal) throw new TypeError("Illegal constructor");
  }

  /** workerd's `timeOrigin` is 0, and `now()` is wall-clock milliseconds (global-scope.h). */
  get timeOrigin(): number {
    return 0;
  }

  now(): number {
    return Date.now();
  }

  get [Symbol.toStringTag](): string {
    return "Performance";
  }
}

export const performance = new Performance(kInternal);
