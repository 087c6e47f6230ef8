/**
 * The `flarelet` command (bundled into dist/cli-bundle.cjs, run by dist/cli.js): parse the flags, build a `Miniflare`, serve it, print the banner, watch, and shut
 * down cleanly on SIGINT/SIGTERM.
 *
 *     parse ─► Miniflare (config: flags > .env > wrangler.toml) ─► load worker ─► listen ─► serve
 *     SIGINT/SIGTERM ─► server closed, WebSockets closed with 1001, plugins disposed ─► exit 0 (≤ 1 s)
 *
 * `--help` and `--version` load nothing else: the engine is imported only when there is a worker to run.
 */
import { FLAGS, parseCliArgs, USAGE, UsageError, type CliArgs } from "./args.js";
import { packageVersion } from "../version.js";
import { statSync } from "node:fs";
import path from "node:path";
import { COMPILE_CACHE_READY } from "../compile-cache.js";
import type { Log, ReloadEvent } from "@flarelet/core";
import type { Server } from "@flarelet/http-server";
import type { Miniflare, MiniflareOptions } from "../index.js";

/** How long a shutdown may take before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 1000;

async function main(argv: readonly string[]): Promise<void> {
  let args: CliArgs;
  try {
    args = parseCliArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) return usageError(error.message);
    throw error;
  }
  if (args.help) {
    const { helpText } = await import("./help.js");
    process.stdout.write(helpText(packageVersion()));
    return;
  }
  if (args.version) {
    process.stdout.write(`${packageVersion()}\n`);
    return;
  }

  const [{ Log, LogLevel, isWorkerRejection }, { Miniflare, resolvedConfig }, { printBanner }] = await Promise.all([
    import("@flarelet/core"),
    import("../miniflare.js"),
    import("./banner.js"),
  ]);
  const log = new Log(args.debug ? LogLevel.DEBUG : LogLevel.INFO);
  // Nothing may take the dev server down: log it, keep serving. A worker's own rejections are logged by core
  // ("Uncaught (in promise) …"); this catches the rest, a bug of ours or a plugin's included.
  process.on("uncaughtException", (error) => log.error(error));
  process.on("unhandledRejection", (reason, promise) => {
    if (!isWorkerRejection(reason, promise)) log.error(reason);
  });

  let mf: Miniflare;
  try {
    mf = new Miniflare(toOptions(args, log));
  } catch (error) {
    return fail(error);
  }
  if (mf.scriptPath === undefined) {
    await mf.dispose().catch(() => {});
    return usageError("No script given: pass the worker's path, or set main in ./wrangler.toml (or wrangler.json, wrangler.jsonc).");
  }

  let server: Server | undefined;
  installSignalHandlers(log, async () => {
    const closed = server === undefined ? Promise.resolve() : closeServer(server);
    await mf.dispose();
    await closed;
  });

  // The format comes from the first load (an entry with exports is a modules worker).
  let format: string | undefined;
  mf.addEventListener("reload", (event) => (format ??= (event as ReloadEvent).format), { once: true });
  // The worker loads first, so that "Listening on …" means ready: a tool (or test) that waits for that
  // line and then edits a file cannot race the first load. Listening adds about a millisecond after it.
  const loaded = await mf.getGlobalScope().then(
    () => true,
    (error: unknown) => {
      log.error(error);
      return false;
    },
  );
  const config = resolvedConfig(mf);
  printBanner(log, {
    version: packageVersion(),
    scriptPath: mf.scriptPath,
    format,
    watch: args.options.watch === true,
    bindings: loaded ? await mf.getBindings() : undefined,
    secrets: config.secrets,
    hasCompatibilityDate: config.core.compatibilityDate !== undefined,
  });
  if (!loaded && args.options.watch !== true) {
    log.error("The worker failed to load (use --watch to keep flarelet running and reload on save).");
    await mf.dispose().catch(() => {});
    process.exitCode = 1;
    return;
  }
  try {
    server = await mf.startServer();
  } catch (error) {
    await mf.dispose().catch(() => {});
    return fail(listenError(error, args));
  }
  if (!loaded) log.warn("The worker failed to load; fix it and save, and flarelet will load it again.");
  // Serving: the code cache of dist/cli.js can be written now (compile-cache.ts).
  (process as NodeJS.EventEmitter).emit(COMPILE_CACHE_READY);
}

function toOptions(args: CliArgs, log: Log): MiniflareOptions {
  const options: MiniflareOptions = {
    log,
    // Like wrangler and Miniflare 2's CLI: read ./wrangler.toml and ./.env when they exist.
    envPath: true,
    wranglerConfigPath: true,
    ...args.options,
  };
  if (args.script !== undefined) {
    // A folder is a project: its wrangler configuration (and .dev.vars, .env) say the rest, as
    // `wrangler dev` run inside it would find them.
    if (isDirectory(args.script)) options.rootPath = path.resolve(args.script);
    else options.scriptPath = args.script;
  }
  return options;
}

function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

/**
 * SIGINT (Ctrl-C) and SIGTERM: close the server and dispose (WebSockets get 1001 "Going Away"), then exit 0.
 * A second signal exits at once; a shutdown that hangs is cut short after a second, with a warning.
 */
function installSignalHandlers(log: Log, shutdown: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn(`${signal} again: exiting without waiting.`);
      process.exit(0);
    }
    stopping = true;
    log.debug(`${signal}: shutting down`);
    const guard = setTimeout(() => {
      log.warn(`Shutdown took longer than ${SHUTDOWN_GRACE_MS}ms; exiting anyway.`);
      process.exit(0);
    }, SHUTDOWN_GRACE_MS);
    shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        clearTimeout(guard);
        log.error(error);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

/** Resolves once the server has closed (its upgraded WebSockets are closed with 1001 by http-server). */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    // Keep-alive connections with a request in flight would hold close() until they end.
    server.closeIdleConnections();
  });
}

function listenError(error: unknown, args: CliArgs): unknown {
  const code = (error as { code?: string }).code;
  const where = `${(args.options.host as string | undefined) ?? "127.0.0.1"}:${(args.options.port as number | undefined) ?? 8787}`;
  if (code === "EADDRINUSE") return new Error(`Cannot listen on ${where}: the port is in use (pick another with --port).`);
  if (code === "EACCES") return new Error(`Cannot listen on ${where}: permission denied (ports below 1024 need privileges).`);
  return error;
}

function usageError(message: string): void {
  process.stderr.write(`flarelet: ${message}\n${USAGE}\nRun "flarelet --help" for the ${FLAGS.length} flags.\n`);
  process.exitCode = 1;
}

function fail(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`flarelet: ${message}\n`);
  process.exitCode = 1;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`flarelet: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
