/**
 * The start-up banner: the version and the worker (path and format). The http-server package logs the
 * URL(s) it listens on itself, once the server listens.
 *
 *     flarelet 0.0.0
 *     Worker: examples/echo.mjs (modules)
 *     [flarelet:inf] Listening on http://127.0.0.1:8787
 */
import type { Log } from "@flarelet/core";
import path from "node:path";

export interface BannerInfo {
  version: string;
  /** Absolute path of the script, if it is a file. */
  scriptPath: string | undefined;
  /** The worker's format, once it loaded. */
  format: string | undefined;
  watch: boolean;
}

export function printBanner(log: Log, info: BannerInfo): void {
  const format = info.format === undefined ? "" : ` (${info.format})`;
  const script = info.scriptPath === undefined ? "(inline script)" : displayPath(info.scriptPath);
  log.log(log.colour("bold", `flarelet ${info.version}`));
  log.log(`Worker: ${log.colour("cyan", script)}${format}${info.watch ? ", watching for changes" : ""}`);
}

/** Relative to the current folder when the script is inside it, else absolute. */
export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative === "" || relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}
