/**
 * `CliFlag`: a command-line flag as data, declared by a plugin package beside its plugin. The `flarelet`
 * command builds its parser and its `--help` from the flags of every plugin it composes, and sets the
 * option each flag names; a package that adds a plugin adds its flags the same way.
 *
 *     export const kvFlags: readonly CliFlag[] = [
 *       { name: "kv", short: "k", type: "string", value: "NAME", multiple: true, option: "kvNamespaces",
 *         description: "A KV namespace binding" },
 *     ];
 */
export interface CliFlag {
  /** Long name, without `--`. */
  readonly name: string;
  /** One-letter alias, without `-`. */
  readonly short?: string;
  /** `boolean` flags take no value; the others take one (`--port 8080` or `--port=8080`). */
  readonly type: "boolean" | "string" | "integer";
  /** How `--help` names the value, e.g. `KEY=VALUE`. */
  readonly value?: string;
  /** The value may be left out (`--kv-persist` alone means the default place): the option is then `true`. */
  readonly optionalValue?: boolean;
  /** May be given several times: the option is the array of every value. */
  readonly multiple?: boolean;
  /** For `integer`: the smallest and largest values accepted. @default 0 and Number.MAX_SAFE_INTEGER */
  readonly min?: number;
  readonly max?: number;
  /** Shown in `--help`. */
  readonly default?: string;
  readonly description: string;
  /** The option (of `Miniflare`'s flat options) the flag sets. */
  readonly option: string;
  /**
   * Turns what was given into the option's value (the string, the number, `true`, or the array of them for
   * `multiple`); throw an `Error` to refuse it, and its message is shown with the usage line.
   * @default the value as given
   */
  readonly toOption?: (value: string | number | boolean | (string | number | boolean)[]) => unknown;
}
