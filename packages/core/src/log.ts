import { inspect } from "node:util";
import { mapStack, rawStackOf } from "./stack-traces.js";

/** How much a `Log` prints; each level includes the ones above it. Numbering matches Miniflare 2. */
export enum LogLevel {
  NONE = 0,
  ERROR = 1,
  WARN = 2,
  INFO = 3,
  DEBUG = 4,
  VERBOSE = 5,
}

const LEVEL_TAGS: Record<Exclude<LogLevel, LogLevel.NONE>, string> = {
  [LogLevel.ERROR]: "err",
  [LogLevel.WARN]: "wrn",
  [LogLevel.INFO]: "inf",
  [LogLevel.DEBUG]: "dbg",
  [LogLevel.VERBOSE]: "vrb",
};

// ANSI SGR codes, kept to the few we use so that logging loads nothing else.
const COLOURS = {
  red: [31, 39],
  yellow: [33, 39],
  green: [32, 39],
  cyan: [36, 39],
  grey: [90, 39],
  bold: [1, 22],
} as const;
export type Colour = keyof typeof COLOURS;

export interface LogOptions {
  /** Printed in brackets before each levelled line: `[flarelet:inf] …`. @default "flarelet" */
  prefix?: string;
  /** Colour the output. @default true when stdout is a TTY and neither NO_COLOR nor CI is set */
  colour?: boolean;
  /** Where lines go. @default process.stdout for info and below, process.stderr for warnings and errors */
  write?: (line: string, level: LogLevel) => void;
}

/**
 * The logger every flarelet package writes through. `log()` prints a line as is (the request log uses it);
 * `error()`…`verbose()` print `[flarelet:lvl] message` when the level allows.
 */
export class Log {
  readonly level: LogLevel;
  readonly #prefix: string;
  readonly #colour: boolean;
  readonly #write: (line: string, level: LogLevel) => void;

  constructor(level: LogLevel = LogLevel.INFO, options: LogOptions = {}) {
    this.level = level;
    this.#prefix = options.prefix ?? "flarelet";
    this.#colour = options.colour ?? defaultColour();
    this.#write = options.write ?? writeToProcess;
  }

  /** Whether `colour()` adds escape codes. */
  get coloured(): boolean {
    return this.#colour;
  }

  /** Wraps `text` in the colour's escape codes, or returns it unchanged when colour is off. */
  colour(name: Colour, text: string): string {
    if (!this.#colour) return text;
    const [open, close] = COLOURS[name];
    return `\x1b[${open}m${text}\x1b[${close}m`;
  }

  /** Prints `message` as it is, at INFO level. */
  log(message: string): void {
    if (this.level >= LogLevel.INFO) this.#write(message, LogLevel.INFO);
  }

  logWithLevel(level: Exclude<LogLevel, LogLevel.NONE>, message: string): void {
    if (this.level < level) return;
    const tag = `[${this.#prefix}:${LEVEL_TAGS[level]}]`;
    const coloured =
      level === LogLevel.ERROR
        ? this.colour("red", tag)
        : level === LogLevel.WARN
          ? this.colour("yellow", tag)
          : level === LogLevel.INFO
            ? this.colour("green", tag)
            : this.colour("grey", tag);
    this.#write(`${coloured} ${message}`, level);
  }

  /** Logs an error with its stack (and causes), or a message. */
  error(message: unknown): void {
    // At debug level, stacks keep flarelet's own frames too.
    this.logWithLevel(LogLevel.ERROR, formatError(message, this.level >= LogLevel.DEBUG));
  }

  warn(message: string): void {
    this.logWithLevel(LogLevel.WARN, message);
  }

  info(message: string): void {
    this.logWithLevel(LogLevel.INFO, message);
  }

  debug(message: string): void {
    this.logWithLevel(LogLevel.DEBUG, message);
  }

  verbose(message: string): void {
    this.logWithLevel(LogLevel.VERBOSE, message);
  }
}

/** A `Log` that prints nothing, for tests and embedders that do their own reporting. */
export class NoOpLog extends Log {
  constructor() {
    super(LogLevel.NONE, { write: () => {} });
  }
}

function defaultColour(): boolean {
  const env = process.env;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  return process.stdout.isTTY === true && env.CI === undefined;
}

/**
 * stdout and stderr are synchronous on Linux (pipes, files and TTYs alike), so every line would be a system
 * call: under load, the request log alone would cost more than the request. Lines for stdout are gathered
 * and written once per turn of the event loop, and before anything goes to stderr (so the two keep their
 * order) and when the process exits.
 */
let pendingStdout = "";
let flushScheduled = false;
let exitHookInstalled = false;

function flushStdout(): void {
  flushScheduled = false;
  if (pendingStdout === "") return;
  const text = pendingStdout;
  pendingStdout = "";
  process.stdout.write(text);
}

function writeToProcess(line: string, level: LogLevel): void {
  if (level <= LogLevel.WARN) {
    flushStdout();
    process.stderr.write(`${line}\n`);
    return;
  }
  pendingStdout += `${line}\n`;
  if (flushScheduled) return;
  if (pendingStdout.length > 64 * 1024) return flushStdout();
  flushScheduled = true;
  setImmediate(flushStdout).unref();
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", flushStdout);
  }
}

/**
 * Stack and causes for errors (from either realm), `inspect` for anything else. Uses the stack when there
 * is one, since it already starts with "Name: message"; a worker's stack is source-mapped and, unless `debug`,
 * keeps only the worker's frames (stack-traces.ts).
 *
 * Whatever a worker throws reaches this in a catch path, so it must never throw itself: a cause chain that
 * loops (`error.cause = error`) stops at the repeat, and a value that throws when looked at (a `stack`
 * getter that throws, a revoked Proxy) is described instead of failing the report.
 */
export function formatError(thrown: unknown, debug = false): string {
  return formatThrown(thrown, new Set(), debug);
}

/** How many causes to follow: enough for any real chain. */
const MAX_CAUSES = 16;

function formatThrown(thrown: unknown, seen: Set<object>, debug: boolean): string {
  try {
    if (typeof thrown === "string") return thrown;
    if (typeof thrown === "object" && thrown !== null) {
      seen.add(thrown);
      const rawStack = (thrown as { stack?: unknown }).stack;
      if (typeof rawStack === "string") {
        // A worker's frames name its source files (through a bundle's source map); flarelet's own are left out.
        const stack = mapStack((debug ? rawStackOf(thrown) : undefined) ?? rawStack, debug);
        const cause = (thrown as { cause?: unknown }).cause;
        if (cause === undefined) return stack;
        if (typeof cause === "object" && cause !== null && seen.has(cause)) return `${stack}\nCaused by: [circular: an error shown above]`;
        if (seen.size > MAX_CAUSES) return `${stack}\nCaused by: …`;
        return `${stack}\nCaused by: ${formatThrown(cause, seen, debug)}`;
      }
    }
    return inspect(thrown);
  } catch (error) {
    return `[a thrown value that could not be formatted: ${describeFailure(error)}]`;
  }
}

function describeFailure(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    return "it throws when looked at";
  }
}
