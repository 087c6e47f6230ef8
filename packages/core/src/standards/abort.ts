/**
 * The worker's `AbortController` and `AbortSignal`: Node's, except that every signal the worker makes
 * through them handles listeners as the worker's `EventTarget` does (event-target.ts). In workerd a
 * listener that throws while `controller.abort()` runs makes `abort()` throw (api/basics.c++,
 * `AbortSignal::triggerAbort` dispatches the event); in Node it is an uncaught exception on the next tick,
 * which ends the process. A timeout signal aborts from a timer, with no worker code to throw to: its
 * listener's exception is reported on the log, as workerd reports an exception from a timer.
 *
 * Made per load, because a timeout's report goes to that load's log.
 */
import { widenInstanceCheck } from "../sandbox/realm.js";
import { withWorkersListeners } from "./event-target.js";

const HostAbortController = globalThis.AbortController;
const HostAbortSignal = globalThis.AbortSignal;

export interface AbortGlobals {
  AbortController: typeof globalThis.AbortController;
  AbortSignal: typeof globalThis.AbortSignal;
}

export function createAbortGlobals(
  reportTimeoutListenerError: (error: unknown) => void,
  /** Throws while the script loads: workerd refuses timeouts at the top level. */
  checkAllowed: () => void = () => {},
): AbortGlobals {
  class AbortController extends HostAbortController {
    constructor() {
      super();
      withWorkersListeners(this.signal);
    }

  }

  // `new AbortSignal()` still throws Node's "Illegal constructor" TypeError, as workerd's does.
  class AbortSignal extends HostAbortSignal {
    static override abort(reason?: unknown): globalThis.AbortSignal {
      return withWorkersListeners(HostAbortSignal.abort(reason));
    }

    static override timeout(milliseconds: number): globalThis.AbortSignal {
      checkAllowed();
      return withWorkersListeners(HostAbortSignal.timeout(milliseconds), reportTimeoutListenerError);
    }

    static override any(signals: globalThis.AbortSignal[]): globalThis.AbortSignal {
      return withWorkersListeners(HostAbortSignal.any(signals));
    }
  }

  // `instanceof` in the worker also holds for the host's controllers (a plugin's) and signals (`request.signal`).
  widenInstanceCheck(AbortController, (value) => value instanceof HostAbortController);
  widenInstanceCheck(AbortSignal, (value) => value instanceof HostAbortSignal);
  return { AbortController, AbortSignal };
}
