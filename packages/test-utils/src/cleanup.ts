/**
 * `onCleanup(fn)`: runs `fn` after the current test, in reverse order of registration, whatever the test
 * did. A clean-up that throws (something already closed) does not stop the others.
 */
import { afterEach } from "vitest";

const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      await cleanup();
    } catch {
      // already closed
    }
  }
});

export function onCleanup(cleanup: () => unknown): void {
  cleanups.push(cleanup);
}
