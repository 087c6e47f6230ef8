/**
 * Shorthands for case files. `expression("typeof caches")` is a `run` function that returns the
 * expression's value (awaited); its source text is what runs in the worker, so the expression may only use
 * the handler's arguments (`request`, `env`, `ctx`), the Workers globals and the prelude's helpers.
 */
const AsyncFunction = (async () => {}).constructor;

export function expression(code) {
  return new AsyncFunction("request", "env", "ctx", `return (${code});`);
}

/** `body` as the statements of an async `run` function. */
export function statements(body) {
  return new AsyncFunction("request", "env", "ctx", body);
}
