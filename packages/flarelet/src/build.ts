/**
 * A custom build (wrangler's `[build] command`, Miniflare 2's `buildCommand`): a shell command run before
 * the worker loads, in `cwd`, with its output shown as it comes. wrangler runs it the same way (`sh -c` on
 * Linux and macOS, `cmd` on Windows). A command that fails is an ERR_BUILD, and the load (or reload) fails
 * with it: on a reload, the last good version keeps serving.
 */
import { FlareletError, type Log } from "@flarelet/core";
import { spawn, spawnSync } from "node:child_process";
import type { ResolvedBuild } from "./config/resolve.js";

/** Runs the build and waits for it, blocking: for the first load, which the constructor starts at once. */
export function runBuildSync(build: ResolvedBuild, log: Log): void {
  log.info(`Running custom build: ${build.command}`);
  const result = spawnSync(build.command, { cwd: build.cwd, shell: true, stdio: ["ignore", "inherit", "inherit"] });
  if (result.error !== undefined || result.status !== 0) throw buildFailed(build, result.status, result.error);
}

/** Runs the build; resolves once it succeeded. */
export function runBuild(build: ResolvedBuild, log: Log): Promise<void> {
  log.info(`Running custom build: ${build.command}`);
  return new Promise((resolve, reject) => {
    const child = spawn(build.command, { cwd: build.cwd, shell: true, stdio: ["ignore", "inherit", "inherit"] });
    child.once("error", (error) => reject(buildFailed(build, null, error)));
    child.once("exit", (code) => (code === 0 ? resolve() : reject(buildFailed(build, code, undefined))));
  });
}

function buildFailed(build: ResolvedBuild, code: number | null, cause: Error | undefined): FlareletError {
  const how = cause === undefined ? `exited with code ${String(code)}` : `could not start: ${cause.message}`;
  return new FlareletError("ERR_BUILD", `The custom build command "${build.command}" (in ${build.cwd}) ${how}.`, cause === undefined ? undefined : { cause });
}
