/**
 * Checks for a plugin's options, so that every plugin says what is wrong the same way: an
 * `ERR_INVALID_OPTION` whose message starts with `[plugin <name>]` and names the option, what it must be and
 * what it got. A plugin factory checks its options when it is called (`pluginOptions("kv")`), before any
 * instance exists; in a hook the same checks are `ctx.options`.
 *
 *     const check = pluginOptions("kv");
 *     const options = check.object(raw, ["kvNamespaces", "kvPersist"]);
 *     const names = check.stringArray("kvNamespaces", options.kvNamespaces) ?? [];
 */
import { FlareletError } from "./errors.js";

export interface PluginOptionChecks {
  /** The plugin whose options these are. */
  readonly plugin: string;
  /** How a message shows a value it refuses: strings quoted, numbers as they are, others by their kind. */
  describe(value: unknown): string;
  /** An `ERR_INVALID_OPTION` with `message`, marked with the plugin's name. */
  invalid(message: string, cause?: unknown): FlareletError;
  /** `options` as a record: an object (or undefined, an empty one) with no key outside `known`. */
  object(options: unknown, known: readonly string[]): Record<string, unknown>;
  /** A string (non-empty unless `allowEmpty`), or undefined. */
  string(key: string, value: unknown, allowEmpty?: boolean): string | undefined;
  /** A boolean, or undefined. */
  boolean(key: string, value: unknown): boolean | undefined;
  /** An integer from `min` to `max`, or undefined. */
  integer(key: string, value: unknown, min: number, max: number): number | undefined;
  /** An array of non-empty strings, or undefined. */
  stringArray(key: string, value: unknown): string[] | undefined;
  /** A plain object whose values are all strings, or undefined. */
  stringRecord(key: string, value: unknown): Record<string, string> | undefined;
  /** `true`, `false` or a non-empty string (a path: `true` means the default one), or undefined. */
  booleanOrPath(key: string, value: unknown): boolean | string | undefined;
}

/** The option checks of the plugin named `plugin`. */
export function pluginOptions(plugin: string): PluginOptionChecks {
  const invalid = (message: string, cause?: unknown) =>
    new FlareletError("ERR_INVALID_OPTION", `[plugin ${plugin}] ${message}`, cause === undefined ? undefined : { cause });
  const wrong = (key: string, expected: string, value: unknown) => invalid(`${key} must be ${expected}, got ${describeValue(value)}.`);
  return {
    plugin,
    describe: describeValue,
    invalid,
    object(options, known) {
      if (options === undefined) return {};
      if (typeof options !== "object" || options === null || Array.isArray(options)) {
        throw invalid(`options must be an object, got ${describeValue(options)}.`);
      }
      for (const key of Object.keys(options)) {
        if (!known.includes(key)) throw invalid(`Unknown option "${key}". Known options: ${known.join(", ")}.`);
      }
      return options as Record<string, unknown>;
    },
    string(key, value, allowEmpty = false) {
      if (value === undefined) return undefined;
      if (typeof value !== "string" || (!allowEmpty && value === "")) throw wrong(key, allowEmpty ? "a string" : "a non-empty string", value);
      return value;
    },
    boolean(key, value) {
      if (value === undefined) return undefined;
      if (typeof value !== "boolean") throw wrong(key, "a boolean", value);
      return value;
    },
    integer(key, value, min, max) {
      if (value === undefined) return undefined;
      if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
        const range = max === Number.MAX_SAFE_INTEGER ? (min === 1 ? "a positive integer" : `an integer of at least ${min}`) : `an integer from ${min} to ${max}`;
        throw wrong(key, range, value);
      }
      return value;
    },
    stringArray(key, value) {
      if (value === undefined) return undefined;
      if (!Array.isArray(value) || !value.every((item) => typeof item === "string" && item !== "")) {
        throw wrong(key, "an array of non-empty strings", value);
      }
      return value as string[];
    },
    stringRecord(key, value) {
      if (value === undefined) return undefined;
      if (typeof value !== "object" || value === null || Array.isArray(value) || !Object.values(value).every((item) => typeof item === "string")) {
        throw wrong(key, "an object of strings", value);
      }
      return value as Record<string, string>;
    },
    booleanOrPath(key, value) {
      if (value === undefined) return undefined;
      if (typeof value !== "boolean" && (typeof value !== "string" || value === "")) throw wrong(key, "true, false or a path", value);
      return value;
    },
  };
}

/** How a message shows a value it refuses: strings quoted, numbers as they are, others by their kind. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return typeof value;
}
