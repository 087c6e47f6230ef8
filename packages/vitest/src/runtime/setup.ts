/**
 * The setup file `flareletVitest()` puts first in `test.setupFiles`: vitest runs it in each test file's
 * process before the test file itself. vitest always passes setup files through vite, so the `import()`
 * below goes through vitest's module runner (its transforms, `vi.mock` and coverage): that is how the
 * project's main module comes into the test's realm. Everything else it imports is plain Node ESM.
 */
import { afterAll, beforeAll, inject, vi } from "vitest";
import { PROVIDE_KEY } from "../options.js";
import { startTestFile } from "./test-file.js";

// A process may have run other test files before this one (isolate: false): their modules (the worker's
// and the tests') must not be this file's. Node's own module cache (packages vitest leaves to Node, this
// runtime) is kept.
vi.resetModules();
const file = await startTestFile(inject(PROVIDE_KEY), (specifier) => import(/* @vite-ignore */ specifier));
beforeAll(file.beforeTests);
afterAll(file.end);
