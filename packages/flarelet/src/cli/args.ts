/**
 * The command line, `flarelet [script] [options]`. Every flag is data (core's `CliFlag`: name, short, type,
 * value name, description, default, and the option it sets): the command's own flags are here, and each
 * plugin package declares its own beside its plugin (`httpServerFlags`, `webSocketsFlags`, …). The parser
 * (`node:util` `parseArgs`), `--help` and the README table all come from this one list, and what the flags
 * give becomes `Miniflare` options without a line of code per flag.
 */
import type { CliFlag } from "@flarelet/core";
import { durableObjectsFlags } from "@flarelet/durable-objects";
import { httpServerFlags } from "@flarelet/http-server";
import { webSocketsFlags } from "@flarelet/web-sockets";
import { parseArgs, type ParseArgsConfig } from "node:util";

/** A flag of the command itself, which sets no option (`--help`), or a `CliFlag`. */
export type FlagSpec = CliFlag | (Omit<CliFlag, "option"> & { readonly option?: undefined });

/** The command's own flags: the worker and where its settings come from, and the command's switches. */
const COMMAND_FLAGS: readonly FlagSpec[] = [
  { name: "modules", short: "m", type: "boolean", option: "modules", description: "Modules-format worker (export default { fetch }); without it, a script with exports is one anyway" },
  { name: "no-bundle", type: "boolean", option: "bundle", toOption: () => false, description: "Load the worker's files as they are instead of bundling them with esbuild (wrangler's no_bundle)" },
];

const SETTINGS_FLAGS: readonly FlagSpec[] = [
  { name: "watch", short: "w", type: "boolean", option: "watch", description: "Reload when the script, a file it imports, the wrangler configuration, .env or .dev.vars changes" },
  { name: "binding", short: "b", type: "string", value: "KEY=VALUE", multiple: true, option: "bindings", toOption: (values) => parseBindings(values as string[]), description: "Add a binding; wins over .dev.vars, .env and the wrangler configuration's vars" },
  { name: "env", short: "e", type: "string", value: "PATH", optionalValue: true, default: ".env, .dev.vars", option: "envPath", description: "Read secret bindings from a .env file (.env and .dev.vars are read if present)" },
  { name: "wrangler-config", short: "c", type: "string", value: "PATH", optionalValue: true, default: "wrangler.json, .jsonc, .toml", option: "wranglerConfigPath", description: "Read the worker's settings from a wrangler configuration (the first found, if any)" },
  { name: "wrangler-env", type: "string", value: "NAME", option: "wranglerConfigEnv", description: "Use the [env.NAME] section of the wrangler configuration" },
  { name: "compat-date", type: "string", value: "YYYY-MM-DD", option: "compatibilityDate", toOption: (value) => parseDate(value as string), description: "Compatibility date: behaviour changed after it does not apply" },
  { name: "compat-flag", type: "string", value: "FLAG", multiple: true, option: "compatibilityFlags", description: "Compatibility flag, e.g. web_socket_auto_reply_to_close" },
];

const SWITCHES: readonly FlagSpec[] = [
  { name: "debug", short: "d", type: "boolean", description: "Log debug messages" },
  { name: "help", short: "h", type: "boolean", description: "Show this help and exit" },
  { name: "version", short: "v", type: "boolean", description: "Show the version and exit" },
];

/** Every flag, in the order `--help` lists them: the command's, then each plugin's, then the switches. */
export const FLAGS: readonly FlagSpec[] = [
  ...COMMAND_FLAGS,
  ...httpServerFlags,
  ...SETTINGS_FLAGS,
  ...webSocketsFlags,
  ...durableObjectsFlags,
  ...SWITCHES,
];

export const USAGE = "Usage: flarelet [script] [options]";

/** What the command line asks for, validated. */
export interface CliArgs {
  script?: string;
  /** The `Miniflare` options the flags set, by name (only those given). */
  options: Record<string, unknown>;
  debug: boolean;
  help: boolean;
  version: boolean;
}

/** A command line flarelet cannot run with: the message says why, and the CLI prints it with the usage line. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export function parseCliArgs(argv: readonly string[], flags: readonly FlagSpec[] = FLAGS): CliArgs {
  const config: NonNullable<ParseArgsConfig["options"]> = {};
  for (const flag of flags) {
    config[flag.name] = {
      type: flag.type === "boolean" ? "boolean" : "string",
      ...(flag.short === undefined ? {} : { short: flag.short }),
      ...(flag.multiple === true ? { multiple: true } : {}),
    };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: fillOptionalValues(argv, flags), options: config, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(describeParseError(error));
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  if (parsed.positionals.length > 1) {
    throw new UsageError(`Expected one script, got ${parsed.positionals.length}: ${parsed.positionals.join(" ")}`);
  }
  const args: CliArgs = { options: {}, debug: values.debug === true, help: values.help === true, version: values.version === true };
  const script = parsed.positionals[0];
  if (script !== undefined) args.script = script;
  for (const flag of flags) {
    const given = values[flag.name];
    if (given === undefined || flag.option === undefined) continue;
    const value = Array.isArray(given) ? given.map((item) => flagValue(flag, item)) : flagValue(flag, given);
    args.options[flag.option] = flag.toOption === undefined ? value : convert(flag, value, given);
  }
  return args;
}

/** One value of `flag` as given: `true` for a boolean (or an optional value left out), a number for an integer. */
function flagValue(flag: FlagSpec, given: string | boolean): string | number | boolean {
  if (typeof given === "boolean") return given;
  if (flag.optionalValue === true && given === NO_VALUE) return true;
  if (flag.type === "integer") return parseInteger(`--${flag.name}`, given, flag.min ?? 0, flag.max ?? Number.MAX_SAFE_INTEGER);
  return nonEmpty(`--${flag.name}`, given);
}

/** A flag's `toOption`, whose Error becomes a usage error naming the flag and what it was given. */
function convert(flag: FlagSpec, value: string | number | boolean | (string | number | boolean)[], given: string | boolean | string[]): unknown {
  try {
    return flag.toOption!(value);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`Invalid --${flag.name} ${JSON.stringify(given)}: ${(error as Error).message}`);
  }
}

/** Marks a flag whose optional value was left out; parseArgs itself has no optional values. */
const NO_VALUE = "";

/**
 * `-e` and `-c` may come without a value. parseArgs would take the next argument as the value whatever it
 * is, so a bare `-e`/`--env` followed by nothing or by another flag gets an empty value here ("the default
 * file"). A following word that is not a flag is the value, as in Miniflare 2: `flarelet -e .env.test
 * worker.mjs`, or put the script first: `flarelet worker.mjs -e`.
 */
function fillOptionalValues(argv: readonly string[], flags: readonly FlagSpec[]): string[] {
  const optional = flags.filter((flag) => flag.optionalValue === true);
  const names = new Set(optional.flatMap((flag) => [`--${flag.name}`, ...(flag.short === undefined ? [] : [`-${flag.short}`])]));
  const out: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    if (arg === "--") {
      out.push(...argv.slice(index));
      break;
    }
    out.push(arg);
    if (!names.has(arg)) continue;
    const next = argv[index + 1];
    if (next === undefined || (next.startsWith("-") && next !== "-")) {
      out[out.length - 1] = `${arg.startsWith("--") ? arg : longName(arg, flags)}=${NO_VALUE}`;
    }
  }
  return out;
}

function longName(short: string, flags: readonly FlagSpec[]): string {
  const flag = flags.find((candidate) => candidate.short === short.slice(1));
  return `--${flag!.name}`;
}

/** `KEY=VALUE`: the value is everything after the first `=`, and may be empty or contain more `=`. */
export function parseBindings(values: readonly string[]): Record<string, string> {
  const bindings: Record<string, string> = {};
  for (const value of values) {
    const equals = value.indexOf("=");
    if (equals <= 0) throw new UsageError(`Invalid --binding ${JSON.stringify(value)}: expected KEY=VALUE`);
    bindings[value.slice(0, equals)] = value.slice(equals + 1);
  }
  return bindings;
}

export function parseInteger(flag: string, value: string, min: number, max: number): number {
  const number = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < min || number > max) {
    throw new UsageError(`Invalid ${flag} ${JSON.stringify(value)}: expected an integer from ${min} to ${max}`);
  }
  return number;
}

/** YYYY-MM-DD naming a real day (core checks that it is not in the future). */
export function parseDate(value: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const date = match === null ? undefined : new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  if (date === undefined || date.toISOString().slice(0, 10) !== value) {
    throw new UsageError(`Invalid --compat-date ${JSON.stringify(value)}: expected a date as YYYY-MM-DD`);
  }
  return value;
}

function nonEmpty(flag: string, value: string): string {
  if (value.trim() === "") throw new UsageError(`Invalid ${flag}: expected a value`);
  return value;
}

/** parseArgs's messages are good but long; keep their first sentence and name the flag as typed. */
function describeParseError(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  const text = message ?? String(error);
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const flag = /'([^']+)'/.exec(text)?.[1];
    return flag === undefined ? text : `Unknown flag ${flag}`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const flag = /--([a-z-]+)/.exec(text)?.[1];
    // "Option '-p, --port <value>' argument missing" (a value-taking flag at the end of the line), or
    // "… argument is ambiguous" (followed by another flag), and "… does not take an argument" (--watch=1).
    if (flag !== undefined && /argument (missing|is ambiguous)/.test(text)) return `Missing value for --${flag}`;
    if (flag !== undefined && text.includes("does not take an argument")) return `--${flag} takes no value`;
  }
  return text;
}
