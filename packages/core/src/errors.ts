/**
 * Every error flarelet itself raises is a `FlareletError` with a stable `code`.
 * The table of codes, with what each means and what to do about it, is in
 * `docs/errors.md`; a test keeps the two in step.
 */
export type FlareletErrorCode =
  /** Neither `script` nor `scriptPath` (nor wrangler.toml `main`) was given. */
  | "ERR_NO_SCRIPT"
  /** `scriptPath` could not be read from disk (a missing imported module is ERR_MODULE_NOT_FOUND). */
  | "ERR_SCRIPT_NOT_FOUND"
  /** The script or one of its modules does not parse; the message names file, line and column. */
  | "ERR_SCRIPT_SYNTAX"
  /** Running the script's top level threw; `cause` is what it threw. */
  | "ERR_SCRIPT_EVALUATION"
  /** An `import`/`require` names a module that cannot be resolved; the message names both files. */
  | "ERR_MODULE_NOT_FOUND"
  /** A module matched no rule in `modulesRules`, or a rule has an unknown type. */
  | "ERR_MODULE_RULE"
  /** Bundling the worker with esbuild failed; the message holds esbuild's errors with file, line and code frame. */
  | "ERR_BUILD"
  /** The worker registers no fetch handler (no `fetch` export, no "fetch" listener). */
  | "ERR_NO_HANDLER"
  /** No fetch listener called `respondWith()`, and the request cannot be forwarded to an origin. */
  | "ERR_NO_RESPONSE"
  /** The fetch handler answered with something that is not a `Response`. */
  | "ERR_INVALID_RESPONSE"
  /** An option has the wrong type or value. */
  | "ERR_INVALID_OPTION"
  /** A configuration file (wrangler.toml, .env) cannot be read or parsed, or holds a wrong value. */
  | "ERR_CONFIG"
  /** The compatibility date or flags are malformed or contradict each other. */
  | "ERR_COMPATIBILITY"
  /** A plugin object is malformed (no name, a duplicate name, a hook that is not a function, a method that is no hook). */
  | "ERR_INVALID_PLUGIN"
  /** A plugin hook threw or rejected; `plugin`, `hook` and `cause` say which and what. */
  | "ERR_PLUGIN_HOOK"
  /** Two plugins contribute the same global and the later one does not declare `overrides`. */
  | "ERR_GLOBAL_CONFLICT"
  /** Two plugins contribute the same built-in module (or one claims `cloudflare:workers`) without `overrides`. */
  | "ERR_MODULE_CONFLICT"
  /** Two plugins (or a plugin and the `bindings` option) contribute the same binding. */
  | "ERR_BINDING_CONFLICT"
  /** The instance was used after `dispose()`, or disposed while a request was in flight. */
  | "ERR_DISPOSED"
  /** The worker was reloaded while a request was in flight; the old version is gone with its timers. */
  | "ERR_RELOADED";

export class FlareletError<Code extends string = FlareletErrorCode> extends Error {
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    // e.g. "FlareletError [ERR_NO_SCRIPT]", the way Node names its own coded errors.
    this.name = `${new.target.name} [${code}]`;
  }
}

/** The plugin hooks that the runner calls; used in `PluginError` to say which one failed. */
export type PluginHookName = "setup" | "beforeReload" | "reload" | "dispose";

/** A plugin hook threw. The message is prefixed with `[plugin <name>]`, as every plugin log line is. */
export class PluginError extends FlareletError<"ERR_PLUGIN_HOOK"> {
  readonly plugin: string;
  readonly hook: PluginHookName;

  constructor(plugin: string, hook: PluginHookName, cause: unknown) {
    const reason = messageOf(cause);
    super("ERR_PLUGIN_HOOK", `[plugin ${plugin}] ${hook}() failed: ${reason}`, { cause });
    this.plugin = plugin;
    this.hook = hook;
  }
}

/** The message of anything thrown, including errors from the worker's realm (where `instanceof Error` fails). */
export function messageOf(thrown: unknown): string {
  // Never throws: whatever a worker threw gets here in a catch path (a revoked Proxy, a throwing getter).
  try {
    if (typeof thrown === "object" && thrown !== null && "message" in thrown) return String(thrown.message);
    return String(thrown);
  } catch {
    return "[a thrown value that could not be formatted]";
  }
}
