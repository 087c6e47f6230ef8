/**
 * The globals that depend on one load of the worker: its compatibility date, its top-level guard, its log.
 * Core's shared globals (sandbox/globals.ts) are wrapped or replaced here, per load:
 *
 * - `Request` and `fetch` check their init as workerd does at this date (standards/request-init.ts);
 * - `crypto` refuses randomness at the top level and has workerd's additions (standards/crypto/);
 * - `navigator` exists from 2022-03-21 (`global_navigator`); `reportError` logs to this load's log;
 * - constructors and functions workerd refuses at the top level are guarded (sandbox/top-level-guard.ts).
 */
import type { Compatibility } from "../compatibility.js";
import { formatError, type Log } from "../log.js";
import { createCrypto } from "../standards/crypto/crypto.js";
import type { WorkersFetch } from "../standards/fetch.js";
import { createReportError } from "../standards/more-events.js";
import { createNavigator } from "../standards/navigator.js";
import { checkRequestInit } from "../standards/request-init.js";
import type { TopLevelGuard } from "./top-level-guard.js";

export interface LoadGlobalsOptions {
  compatibility: Compatibility;
  guard: TopLevelGuard;
  log: Log;
}

/** Rewrites `globals` (in place) into this load's versions. */
export function applyLoadGlobals(globals: Record<string, unknown>, { compatibility, guard, log }: LoadGlobalsOptions): void {
  const check = () => guard.check();
  if (typeof globals.Request === "function") {
    const Request = globals.Request as new (input: unknown, init?: RequestInit) => unknown;
    const proxy: object = new Proxy(Request, {
      construct(target, [input, init], newTarget) {
        return Reflect.construct(target, [input, checkRequestInit(init, compatibility)], newTarget === proxy ? target : newTarget);
      },
    });
    globals.Request = proxy;
  }
  if (typeof globals.fetch === "function") {
    const fetch = globals.fetch as WorkersFetch;
    globals.fetch = function fetch_(input: Parameters<WorkersFetch>[0], init?: Parameters<WorkersFetch>[1]) {
      // A bad init rejects the returned promise, as fetch() does, rather than throwing.
      let checked: typeof init;
      try {
        checked = checkRequestInit(init, compatibility);
      } catch (error) {
        return Promise.reject(error);
      }
      return fetch(input, checked);
    };
    Object.defineProperty(globals.fetch, "name", { value: "fetch" });
  }
  if (globals.crypto === globalThis.crypto) globals.crypto = createCrypto(check);
  // Core's placeholder is undefined; a plugin's or the user's own navigator stays.
  if (globals.navigator === undefined) {
    if (compatibility.isEnabled("global_navigator")) {
      const fetch = globals.fetch as WorkersFetch;
      globals.navigator = createNavigator(fetch, (error) => log.error(`Uncaught (in navigator.sendBeacon) ${formatError(error)}`));
    } else {
      delete globals.navigator;
    }
  }
  globals.reportError = createReportError((error) => log.error(`Uncaught ${formatError(error)}`));
  guard.guardGlobals(globals);
}
