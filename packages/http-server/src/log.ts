/**
 * The request log: one line per request, `GET /path 200 OK (1.23ms)`, as Miniflare 2 printed it. The
 * method is bold, the status coloured by class (5xx red, 4xx yellow, 3xx cyan, others green) and the time
 * grey; with colour off (`Log` option, NO_COLOR, CI, not a TTY) the line is plain text.
 */
import type { Colour, Log } from "@flarelet/core";
import { STATUS_CODES } from "node:http";

export function statusColour(status: number): Colour {
  if (status >= 500) return "red";
  if (status >= 400) return "yellow";
  if (status >= 300) return "cyan";
  return "green";
}

/** `start` is a `performance.now()` reading taken when the request arrived. */
export function formatRequestLine(log: Log, method: string, path: string, status: number, start: number): string {
  const elapsed = (performance.now() - start).toFixed(2);
  const text = STATUS_CODES[status] ?? "";
  const statusPart = text === "" ? String(status) : `${status} ${text}`;
  return `${log.colour("bold", method)} ${path} ${log.colour(statusColour(status), statusPart)} ${log.colour("grey", `(${elapsed}ms)`)}`;
}

export function logRequest(log: Log, method: string, path: string, status: number, start: number): void {
  log.log(formatRequestLine(log, method, path, status, start));
}
