/**
 * Test helpers: temporary folders, the built CLI spawned under plain `node` (no execArgv, no NODE_OPTIONS),
 * waiting for its output, and real `ws` clients. Every child, client and folder a test makes is torn down
 * after it; children are stopped by their own pid only.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { closed, connect as connectClient, nextMessage, onCleanup, useTempDir, type TempDir } from "@flarelet/test-utils";
import type { WebSocket as WsClient } from "ws";

export const PACKAGE = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
export const REPO = path.join(PACKAGE, "../..");
export const CLI = path.join(PACKAGE, "dist/cli.js");
export const DIST_INDEX = path.join(PACKAGE, "dist/index.js");

/** The seed page's echo worker, as examples/echo.mjs holds it. */
export const ECHO_WORKER = path.join(REPO, "examples/echo.mjs");

/** How long a test waits for a line, an event or an exit before failing with what it saw. */
export const WAIT_MS = 10_000;

export { onCleanup, useTempDir };
export type { TempDir };

/** Fails with a clear message if dist/ is missing or older than src/ (turbo builds it before `test`). */
export async function assertBuilt(): Promise<void> {
  const built = await stat(CLI).catch(() => undefined);
  if (built === undefined) throw new Error(`${CLI} is missing: run \`pnpm build\` at the root (or \`pnpm run build\` in packages/flarelet)`);
  if ((await newestMtime(path.join(PACKAGE, "src"))) > (await newestMtime(path.join(PACKAGE, "dist")))) {
    throw new Error("packages/flarelet/dist is older than src: run `pnpm build` at the root (or `pnpm run build` in packages/flarelet)");
  }
}

async function newestMtime(dir: string): Promise<number> {
  const files = await readdir(dir, { recursive: true });
  const times = await Promise.all(files.map(async (file) => (await stat(path.join(dir, file))).mtimeMs));
  return Math.max(...times);
}

/** The code block that follows `<!-- name` in packages/flarelet/README.md. */
export async function readmeBlock(name: string): Promise<string> {
  const readme = await readFile(path.join(PACKAGE, "README.md"), "utf8");
  const marker = readme.indexOf(`<!-- ${name}`);
  if (marker === -1) throw new Error(`README.md has no <!-- ${name} --> marker`);
  const match = /```[a-z]*\n([\s\S]*?)```/.exec(readme.slice(marker));
  if (match === null) throw new Error(`README.md has no code block after <!-- ${name} -->`);
  return match[1]!;
}

/** Removes ANSI colour codes. */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, "");
}

/** An environment for the child: the parent's, without NODE_OPTIONS or colour settings, plus `extra`. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of ["NODE_OPTIONS", "NO_COLOR", "FORCE_COLOR", "CI"]) delete env[key];
  return { ...env, ...extra };
}

export interface CliProcess {
  readonly child: ChildProcess;
  /** Everything printed so far, raw. */
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves with the first match of `pattern` in stdout + stderr (ANSI stripped), waiting up to WAIT_MS. */
  waitFor(pattern: RegExp, options?: { after?: number }): Promise<RegExpMatchArray>;
  /** The length of stdout + stderr so far: pass as `after` to wait for new output only. */
  mark(): number;
  /** stdout + stderr (ANSI stripped) printed since `mark`. */
  textSince(mark: number): string;
  /** Resolves with the exit code (or signal) once the child exits, failing after WAIT_MS. */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The http URL from the "Listening on" line. */
  url(): Promise<string>;
}

/**
 * Spawns `node dist/cli.js …args` (or another copy of the command, `cli`) in `cwd`; the child is killed (by
 * pid) after the test if still running.
 */
export function spawnCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; cli?: string }): CliProcess {
  const child = spawn(process.execPath, [options.cli ?? CLI, ...args], {
    cwd: options.cwd,
    env: options.env ?? childEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  /** Both streams, in arrival order, for waiting. */
  let combined = "";
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of [...listeners]) listener();
  };
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    combined += chunk;
    notify();
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
    combined += chunk;
    notify();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      resolve({ code, signal });
      notify();
    });
  });
  onCleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid!, "SIGKILL");
      await exit;
    }
  });

  const describe = () => `\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`;
  const cli: CliProcess = {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    mark: () => combined.length,
    textSince: (mark) => stripAnsi(combined.slice(mark)),
    waitFor(pattern, { after = 0 } = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = stripAnsi(combined.slice(after)).match(pattern);
          if (match !== null) {
            done();
            resolve(match);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            done();
            reject(new Error(`flarelet exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}${describe()}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`Timed out after ${WAIT_MS}ms waiting for ${pattern}${describe()}`));
        }, WAIT_MS);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    async exited() {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`flarelet did not exit within ${WAIT_MS}ms${describe()}`)), WAIT_MS);
      });
      try {
        return await Promise.race([exit, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async url() {
      const match = await cli.waitFor(/Listening on (https?:\/\/127\.0\.0\.1:\d+)/);
      return match[1]!;
    },
  };
  return cli;
}

/** Runs the CLI to completion (for --help, errors, …). */
/**
 * Resolves with what `url` serves once it serves `expected`, checking after each "Reloaded in" line printed
 * since `mark` (at most `reloads` of them). A file written in place (truncated, then written, as
 * `writeFile` and many editors do) can be seen half-written: the watcher then loads it twice, and a
 * request between the two loads sees the first.
 */
export async function servedAfterReload(cli: CliProcess, url: string, expected: string, mark: number, reloads = 5): Promise<string> {
  const reloadsSince = () => cli.textSince(mark).match(/Reloaded in/g)?.length ?? 0;
  let body = "";
  for (let seen = 0; seen < reloads; ) {
    // The next reload after the ones the last request may already have seen.
    await cli.waitFor(new RegExp(`(?:Reloaded in[\\s\\S]*?){${seen + 1}}`), { after: mark });
    seen = reloadsSince();
    body = await (await fetch(url)).text();
    if (body === expected) return body;
  }
  return body;
}

export async function runCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = spawnCli(args, options);
  const { code } = await cli.exited();
  return { code, stdout: cli.stdout, stderr: cli.stderr };
}

export interface TestClient {
  readonly ws: WsClient;
  /** Resolves with the next message (or one already received and not yet taken): a string or a Buffer. */
  nextMessage(): Promise<string | Buffer>;
  /** Resolves with the close code and reason. */
  closed(): Promise<{ code: number; reason: string }>;
}

/** A real `ws` client (test-utils'), open; terminated after the test. Every wait has a deadline. */
export async function connect(url: string): Promise<TestClient> {
  const ws = await withTimeout(connectClient(url.replace(/^http/, "ws")), "the WebSocket to open");
  return {
    ws,
    nextMessage: async () => (await withTimeout(nextMessage(ws), "a WebSocket message")).data,
    closed: () => withTimeout(closed(ws), "the WebSocket to close"),
  };
}

export async function withTimeout<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Timed out after ${ms}ms waiting for ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
