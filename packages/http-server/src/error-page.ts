/**
 * What a visitor gets when the worker throws: a 500 with the error's stack. Browsers (an `Accept` that
 * asks for text/html) get a readable HTML page that also shows the request, everything else (fetch, curl,
 * WebSocket clients) plain text. Everything shown is escaped: error messages and headers come from the
 * worker and the visitor.
 */
import { FlareletError, formatError, messageOf, Response } from "@flarelet/core";
import { sourceExcerpts } from "./source-excerpts.js";

/** Codes of errors that mean the worker never loaded (as opposed to a request it failed). */
const LOAD_FAILURES = new Set(["ERR_NO_SCRIPT", "ERR_SCRIPT_NOT_FOUND", "ERR_SCRIPT_SYNTAX", "ERR_SCRIPT_EVALUATION", "ERR_MODULE_NOT_FOUND", "ERR_MODULE_RULE", "ERR_BUILD", "ERR_NO_HANDLER"]);

export interface RequestSummary {
  readonly method: string;
  readonly url: string;
  /** The headers as the worker saw them (with the CF-* headers the server added). */
  readonly headers: Iterable<readonly [string, string]>;
}

/** Whether the client asked for HTML: MIME types compare case-insensitively (RFC 9110 §8.3.1). */
export function wantsHtml(accept: string | undefined): boolean {
  return accept !== undefined && accept.toLowerCase().includes("text/html");
}

export function errorResponse(error: unknown, request: RequestSummary, accept: string | undefined): Response {
  if (!wantsHtml(accept)) {
    return new Response(formatError(error), {
      status: 500,
      headers: { "Content-Type": "text/plain; charset=UTF-8" },
    });
  }
  return new Response(renderErrorPage(error, request), {
    status: 500,
    headers: { "Content-Type": "text/html; charset=UTF-8" },
  });
}

export function renderErrorPage(error: unknown, request: RequestSummary): string {
  const name = errorName(error);
  const message = messageOf(error);
  const loadFailure = error instanceof FlareletError && LOAD_FAILURES.has(error.code);
  const stack = formatError(error);
  const excerpts = sourceExcerpts(stack)
    .map(
      (excerpt) =>
        `<h3 class="frame">${escapeHtml(excerpt.frame)}</h3>\n<pre class="source">${excerpt.lines
          .map(({ number, text }) => {
            const row = `${String(number).padStart(5)} | ${escapeHtml(text)}`;
            return number === excerpt.line ? `<mark>${row}</mark>` : row;
          })
          .join("\n")}</pre>`,
    )
    .join("\n");
  const rows = [...request.headers]
    .map(([key, value]) => `<tr><th>${escapeHtml(key)}</th><td>${escapeHtml(value)}</td></tr>`)
    .join("\n");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`${name}: ${message}`)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1d1d1f; background: #fafafa; }
h1 { font-size: 1.1rem; color: #b00020; margin: 0 0 .5rem; }
h2 { font-size: 1.6rem; margin: 0 0 1.5rem; word-break: break-word; }
h3 { font-size: 1rem; margin: 2rem 0 .5rem; }
mark { background: #ffe1e1; display: inline-block; width: 100%; }
pre { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 1rem; overflow-x: auto; font-size: .85rem; line-height: 1.45; }
table { border-collapse: collapse; font-size: .85rem; background: #fff; }
th, td { text-align: left; vertical-align: top; padding: .3rem .8rem; border: 1px solid #ddd; font-family: ui-monospace, monospace; word-break: break-all; }
th { white-space: nowrap; }
</style>
</head>
<body>
<h1>500 Internal Server Error: ${loadFailure ? "the worker failed to load" : "the worker threw"}</h1>
<h2>${escapeHtml(`${name}: ${message}`)}</h2>
${excerpts}
<h3>Stack</h3>
<pre>${escapeHtml(stack)}</pre>
<h3>Request</h3>
<table>
<tr><th>Method</th><td>${escapeHtml(request.method)}</td></tr>
<tr><th>URL</th><td>${escapeHtml(request.url)}</td></tr>
</table>
<h3>Headers</h3>
<table>
${rows}
</table>
</body>
</html>
`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!);
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

function errorName(error: unknown): string {
  if (typeof error === "object" && error !== null && "name" in error && typeof error.name === "string") return error.name;
  return "Error";
}
