/**
 * `Log`, `NoOpLog` and `formatError` (src/log.ts).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { Log, LogLevel, NoOpLog } from "@flarelet/core";
import { formatError } from "@flarelet/core";
import { captureLog, useCore, waitFor } from "./helpers.js";

/** The lines of a formatted error without its stack frames. */
function withoutFrames(text: string): string[] {
  return text.split("\n").filter((line) => !/^\s+at /.test(line));
}

function capture(level: LogLevel, options: { colour?: boolean; prefix?: string } = {}) {
  const lines: [string, LogLevel][] = [];
  const log = new Log(level, { colour: false, ...options, write: (line, lineLevel) => lines.push([line, lineLevel]) });
  return { log, lines };
}

function logEveryLevel(log: Log): void {
  log.error("e");
  log.warn("w");
  log.info("i");
  log.debug("d");
  log.verbose("v");
  log.log("plain");
}

describe("Log", () => {
  it("tags each line with the prefix and level", () => {
    const { log, lines } = capture(LogLevel.VERBOSE);
    logEveryLevel(log);
    expect(lines).toEqual([
      ["[flarelet:err] e", LogLevel.ERROR],
      ["[flarelet:wrn] w", LogLevel.WARN],
      ["[flarelet:inf] i", LogLevel.INFO],
      ["[flarelet:dbg] d", LogLevel.DEBUG],
      ["[flarelet:vrb] v", LogLevel.VERBOSE],
      ["plain", LogLevel.INFO],
    ]);
  });

  it.each([
    [LogLevel.NONE, []],
    [LogLevel.ERROR, ["[flarelet:err] e"]],
    [LogLevel.WARN, ["[flarelet:err] e", "[flarelet:wrn] w"]],
    [LogLevel.INFO, ["[flarelet:err] e", "[flarelet:wrn] w", "[flarelet:inf] i", "plain"]],
    [LogLevel.DEBUG, ["[flarelet:err] e", "[flarelet:wrn] w", "[flarelet:inf] i", "[flarelet:dbg] d", "plain"]],
  ])("at level %i prints only that level and the ones above it", (level, expected) => {
    const { log, lines } = capture(level);
    logEveryLevel(log);
    expect(lines.map(([line]) => line)).toEqual(expected);
  });

  it("defaults to INFO", () => {
    expect(new Log(LogLevel.INFO, { write: () => {} }).level).toBe(new Log(undefined, { write: () => {} }).level);
    expect(new Log(undefined, { write: () => {} }).level).toBe(LogLevel.INFO);
  });

  it("uses a custom prefix", () => {
    const { log, lines } = capture(LogLevel.INFO, { prefix: "my-plugin" });
    log.info("hello");
    expect(lines[0]![0]).toBe("[my-plugin:inf] hello");
  });

  it("colours tags, and colour(), only when colour is on", () => {
    const coloured = capture(LogLevel.INFO, { colour: true });
    const plain = capture(LogLevel.INFO, { colour: false });
    for (const { log } of [coloured, plain]) {
      log.error("e");
      log.warn("w");
      log.info("i");
    }
    expect(coloured.lines.map(([line]) => line)).toEqual([
      "\x1b[31m[flarelet:err]\x1b[39m e",
      "\x1b[33m[flarelet:wrn]\x1b[39m w",
      "\x1b[32m[flarelet:inf]\x1b[39m i",
    ]);
    expect(coloured.log.coloured).toBe(true);
    expect(coloured.log.colour("bold", "b")).toBe("\x1b[1mb\x1b[22m");
    expect(plain.lines.map(([line]) => line)).toEqual(["[flarelet:err] e", "[flarelet:wrn] w", "[flarelet:inf] i"]);
    expect(plain.log.coloured).toBe(false);
    expect(plain.log.colour("bold", "b")).toBe("b");
  });

  it("logs an error with its stack and its cause", () => {
    const { log, lines } = capture(LogLevel.ERROR);
    const cause = new TypeError("inner");
    log.error(new Error("outer", { cause }));
    const [line] = lines[0]!;
    expect(line).toMatch(/^\[flarelet:err\] Error: outer\n\s+at /);
    expect(line).toContain("\nCaused by: TypeError: inner\n");
  });

  it("logs a string given to error() as it is", () => {
    const { log, lines } = capture(LogLevel.ERROR);
    log.error("just a message");
    expect(lines[0]![0]).toBe("[flarelet:err] just a message");
  });

  describe("default colour", () => {
    afterEach(() => {
      vi.unstubAllEnvs();
    });

    it("is off with NO_COLOR and on with FORCE_COLOR", () => {
      vi.stubEnv("NO_COLOR", "1");
      expect(new Log(LogLevel.INFO, { write: () => {} }).coloured).toBe(false);
      vi.stubEnv("NO_COLOR", "");
      vi.stubEnv("FORCE_COLOR", "1");
      expect(new Log(LogLevel.INFO, { write: () => {} }).coloured).toBe(true);
      vi.stubEnv("FORCE_COLOR", "0");
      vi.stubEnv("CI", "1");
      expect(new Log(LogLevel.INFO, { write: () => {} }).coloured).toBe(false);
    });
  });
});

describe("NoOpLog", () => {
  it("has level NONE and prints nothing, even log()", () => {
    const stdout = vi.spyOn(process.stdout, "write");
    const stderr = vi.spyOn(process.stderr, "write");
    try {
      const log = new NoOpLog();
      logEveryLevel(log);
      expect(log.level).toBe(LogLevel.NONE);
      expect(stdout).not.toHaveBeenCalled();
      expect(stderr).not.toHaveBeenCalled();
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
  });

  it("is a Log", () => {
    expect(new NoOpLog()).toBeInstanceOf(Log);
  });
});

describe("formatError", () => {
  const cores = useCore();

  it("formats an error thrown in the worker's realm with its stack", async () => {
    const mf = cores.create({
      modules: true,
      script: `export default { fetch() { throw new RangeError("from the worker", { cause: "why" }); } };`,
    });
    const thrown = await mf.dispatchFetch().catch((error: unknown) => error);
    expect(thrown instanceof Error).toBe(false); // another realm's Error: formatError must not rely on instanceof
    const text = formatError(thrown);
    expect(text).toMatch(/^RangeError: from the worker\n\s+at /);
    expect(text).toMatch(/\nCaused by: why$/);
  });

  it("never throws: a looping cause chain stops at the repeat, and a value that throws when read is described", () => {
    const self = new Error("loops to itself");
    self.cause = self;
    expect(withoutFrames(formatError(self))).toEqual(["Error: loops to itself", "Caused by: [circular: an error shown above]"]);
    const first = new Error("first");
    const second = new TypeError("second", { cause: first });
    first.cause = second;
    expect(withoutFrames(formatError(first))).toEqual([
      "Error: first",
      "Caused by: TypeError: second",
      "Caused by: [circular: an error shown above]",
    ]);
    const throwingStack = Object.defineProperty({}, "stack", {
      get() {
        throw new Error("stack getter failed");
      },
    });
    expect(formatError(throwingStack)).toBe("[a thrown value that could not be formatted: Error: stack getter failed]");
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(formatError(proxy)).toMatch(/^\[a thrown value that could not be formatted: TypeError: .*revoked/);
  });

  it("a worker that throws such values in a timer, a microtask or waitUntil is logged, and keeps serving", async () => {
    const { log, lines } = captureLog(LogLevel.ERROR);
    const mf = cores.create({
      modules: true,
      log,
      script: `export default {
        fetch(request, env, ctx) {
          const looping = new Error("looping cause");
          looping.cause = looping;
          const { proxy, revoke } = Proxy.revocable({}, {});
          revoke();
          setTimeout(() => { throw looping; }, 0);
          queueMicrotask(() => { throw proxy; });
          ctx.waitUntil(Promise.reject(looping));
          return new Response("still serving");
        },
      };`,
    });
    expect(await (await mf.dispatchFetch()).text()).toBe("still serving");
    await waitFor(() => lines.length >= 3);
    expect(lines.map((line) => line.split("\n")[0]).sort()).toEqual([
      "[flarelet:err] Uncaught (in waitUntil promise): Error: looping cause",
      "[flarelet:err] Uncaught exception in a queueMicrotask callback: [a thrown value that could not be formatted: " +
        "TypeError: Cannot perform 'get' on a proxy that has been revoked]",
      "[flarelet:err] Uncaught exception in a setTimeout callback: Error: looping cause",
    ]);
  });

  it("inspects anything that is not an error", () => {
    expect(formatError({ a: 1 })).toBe("{ a: 1 }");
    expect(formatError(undefined)).toBe("undefined");
    expect(formatError("text")).toBe("text");
  });
});
