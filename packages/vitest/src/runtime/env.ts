/**
 * `env`: the running test file's bindings, as an ES live binding. The test file and the worker's code (both
 * run in the test's realm) read it through `cloudflare:test` and `cloudflare:workers`; it is the very object
 * the worker's handlers receive as `env`, so a test that sets `env.KEY = "x"` changes it for the worker too.
 */
export let env: Record<string, unknown> = undefined as unknown as Record<string, unknown>;

/** Called when a test file's worker starts. */
export function setEnv(bindings: Record<string, unknown>): void {
  env = bindings;
}
