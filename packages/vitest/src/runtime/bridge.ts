/**
 * The worker flarelet loads for a test file, and what it forwards to.
 *
 *     test realm (vitest)                         flarelet worker (node:vm)
 *     ─────────────────────                       ─────────────────────────
 *     SELF.fetch(url) ──► mf.dispatchFetch() ──► bridge `fetch(request, env, ctx)`
 *                                                        │
 *     main module (imported by vitest) ◄─────────────────┘  BridgeTarget.fetch
 *       default.fetch(request, env, ctx)
 *     main's Durable Object classes ◄──────────── bridge `export { Counter }` (the very class, once main is in)
 *
 * The project's code never runs inside the flarelet worker: vitest imports it into the test's realm, where
 * coverage, fake timers and module mocks reach it, and where `import worker from "../src"` in a test is the
 * same module instance that SELF calls. flarelet supplies everything around it: the bindings (`env`), the
 * `ExecutionContext`, `dispatchFetch`'s checks of what the handler returns, the Durable Objects (storage,
 * input gate, stubs) constructed from main's own classes, WebSocket clean-up at the end.
 *
 * The bridge exports each Durable Object class by name, as the configuration binds them: flarelet looks the
 * class up in the worker's exports whenever it constructs an object, and the export is a live binding that
 * the bridge points at main's class once vitest has imported main (until then, a class whose constructor
 * says so).
 */
import { FlareletError } from "flarelet";

/** The bridge worker's global through which it reaches the test realm; excluded from the copied globals. */
export const BRIDGE_GLOBAL = "__flareletVitestBridge";

/** The bridge's source, exporting `default` and each of `classNames` (JavaScript identifiers). */
export function bridgeScript(classNames: readonly string[]): string {
  const lines = [
    "// @flarelet/vitest: forwards to the project's main module in the test's realm.",
    `const target = globalThis.${BRIDGE_GLOBAL};`,
    "export default {",
    "  fetch(request, env, ctx) {",
    "    return target.fetch(request, env, ctx);",
    "  },",
    "};",
  ];
  const unique = [...new Set(classNames)];
  unique.forEach((name, index) => {
    if (!/^[A-Za-z_$][\w$]*$/.test(name)) {
      throw new FlareletError("ERR_INVALID_OPTION", `[@flarelet/vitest] Durable Object class name ${JSON.stringify(name)} is not a JavaScript identifier.`);
    }
    lines.push(`let class${index} = target.pendingClass(${JSON.stringify(name)});`, `export { class${index} as ${name} };`);
  });
  if (unique.length > 0) {
    const assignments = unique.map((name, index) => `class${index} = main[${JSON.stringify(name)}];`).join(" ");
    lines.push(`target.onMain((main) => { ${assignments} });`);
  }
  return `${lines.join("\n")}\n`;
}

/** What the bridge forwards to. */
export interface BridgeTarget {
  fetch(request: Request, env: Record<string, unknown>, ctx: unknown): Promise<unknown>;
  /** A stand-in for a class of main until main is imported: constructing it says what is missing. */
  pendingClass(name: string): new () => never;
  /** The bridge's way to learn each import of main (the same module each time, unless vitest reran it). */
  onMain(bind: (main: MainModule) => void): void;
}

/** The module namespace of the project's main module. */
export type MainModule = Record<string, unknown>;

export interface Bridge {
  readonly target: BridgeTarget;
  /** Points the bridge's exports at `main`'s classes. */
  bindMain(main: MainModule): void;
}

/**
 * Calls the main module's default export as workerd calls an entrypoint: an object's `fetch(request, env,
 * ctx)`, or, for a class (`export default class extends WorkerEntrypoint`), `fetch(request)` on a new instance
 * made with `(ctx, env)`.
 */
export function createBridge(loadMain: () => Promise<MainModule>): Bridge {
  const binders: ((main: MainModule) => void)[] = [];
  const target: BridgeTarget = {
    async fetch(request, env, ctx) {
      const entry = (await loadMain()).default;
      if (typeof entry === "function" && typeof (entry.prototype as { fetch?: unknown } | undefined)?.fetch === "function") {
        const instance = new (entry as new (ctx: unknown, env: unknown) => { fetch(request: Request): unknown })(ctx, env);
        return await instance.fetch(request);
      }
      if (typeof entry === "object" && entry !== null && typeof (entry as { fetch?: unknown }).fetch === "function") {
        return await (entry as { fetch(request: Request, env: unknown, ctx: unknown): unknown }).fetch(request, env, ctx);
      }
      // workerd's message for an entrypoint without one (global-scope.c++, ServiceWorkerGlobalScope::request).
      throw new FlareletError("ERR_NO_HANDLER", "Handler does not export a fetch() function.");
    },
    pendingClass(name) {
      return class {
        constructor() {
          throw new Error(
            `[@flarelet/vitest] The Durable Object class ${name} is not loaded yet: vitest imports the main module before ` +
              "the file's first test (in a beforeAll hook), so use Durable Objects inside tests and hooks, not at a test file's top level.",
          );
        }
      } as unknown as new () => never;
    },
    onMain(bind) {
      binders.push(bind);
    },
  };
  return {
    target,
    bindMain(main) {
      for (const bind of binders) bind(main);
    },
  };
}
