/**
 * workerd sends a worker's request with the headers the worker gave and nothing of its own (measured with
 * the conformance harness: the origin sees Host, and Cloudflare's CF-Worker). Node's fetch (undici) adds
 * browser defaults when a request lacks them: `accept: *\/*`, `accept-language: *`, `sec-fetch-mode: cors`,
 * `user-agent: node`, `accept-encoding: gzip, deflate`. undici adds them after the worker's Request is
 * made, on the copy it sends, so they are taken out where the request leaves: in a dispatcher that wraps
 * Node's own (the global one, which `new Request()` creates) for one fetch. A header the worker set itself
 * is kept, whatever its value. The worker's headers go out in workerd's order, sorted by name (its
 * Headers are kept sorted).
 */
const GLOBAL_DISPATCHER = Symbol.for("undici.globalDispatcher.1");

/** Headers undici adds by itself. */
const UNDICI_DEFAULTS = ["accept", "accept-language", "sec-fetch-mode", "user-agent", "accept-encoding"];

interface Dispatcher {
  dispatch(options: { headers?: unknown }, handler: unknown): boolean;
}

/** A dispatcher for one fetch of `request`, or undefined if Node's cannot be found (then nothing changes). */
export function withoutDefaultHeaders(request: Request): Dispatcher | undefined {
  const global = (globalThis as unknown as Record<symbol, Dispatcher | undefined>)[GLOBAL_DISPATCHER];
  if (global === undefined || typeof global.dispatch !== "function") return undefined;
  const added = UNDICI_DEFAULTS.filter((name) => !request.headers.has(name));
  return {
    dispatch(options, handler) {
      return global.dispatch({ ...options, headers: strip(options.headers, added) }, handler);
    },
  };
}

/** undici passes headers as an object of lower-cased names, or as a flat [name, value, …] array. */
function strip(headers: unknown, names: readonly string[]): unknown {
  let pairs: [string, unknown][];
  if (Array.isArray(headers)) {
    pairs = [];
    for (let index = 0; index + 1 < headers.length; index += 2) pairs.push([String(headers[index]), headers[index + 1]]);
  } else if (typeof headers === "object" && headers !== null) {
    pairs = Object.entries(headers);
  } else {
    return headers;
  }
  const kept = pairs.filter(([name]) => !names.includes(name.toLowerCase()));
  kept.sort(([a], [b]) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0));
  return kept.flat();
}
