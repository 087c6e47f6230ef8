/**
 * The command line, `flarelet [script] [options]`: every flag is data (name, short, type, value name,
 * description, default), parsed with `node:util` `parseArgs` and validated here, so that `--help`, the
 * parser and the README table come from one list.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

export interface FlagSpec {
  /** Long name, without `--`. */
  readonly name: string;
  /** One-letter alias, without `-`. */
  readonly short?: string;
  /** `boolean` flags take no value; the others take one (`--port 8080` or `--port=8080`). */
  readonly type: "boolean" | "string" | "integer";
  /** How `--help` names the value, e.g. `KEY=VALUE`. */
  readonly value?: string;
  /** The value may be left out (`-e` alone means the default file). */
  readonly optionalValue?: boolean;
  /** May be given several times; every value is kept. */
  readonly multiple?: boolean;
  /** Shown in `--help`. */
  readonly default?: string;
  readonly description: string;
}

export const FLAGS = [
  { name: "modules", short: "m", type: "boolean", description: "Modules-format worker (export default { fetch }); without it, a script with exports is one anyway" },
  { name: "no-bundle", type: "boolean", description: "Load the worker's files as they are instead of bundling them with esbuild (wrangler's no_bundle)" },
  { name: "port", short: "p", type: "integer", value: "PORT", default: "8787", description: "Port to listen on (0 picks a free one)" },
  { name: "host", short: "H", type: "string", value: "HOST", default: "127.0.0.1", description: "Address to listen on (0.0.0.0 for every interface)" },
  { name: "watch", short: "w", type: "boolean", description: "Reload when the script, a module it imports, wrangler.toml or .env changes" },
  { name: "binding", short: "b", type: "string", value: "KEY=VALUE", multiple: true, description: "Add a binding; wins over .env and wrangler.toml vars" },
  { name: "env", short: "e", type: "string", value: "PATH", optionalValue: true, default: ".env", description: "Read bindings from a .env file (read from the current folder if present)" },
  { name: "wrangler-config", short: "c", type: "string", value: "PATH", optionalValue: true, default: "wrangler.toml", description: "Read main, compatibility settings and vars from a wrangler.toml (read if present)" },
  { name: "wrangler-env", type: "string", value: "NAME", description: "Use the [env.NAME] section of wrangler.toml" },
  { name: "compat-date", type: "string", value: "YYYY-MM-DD", description: "Compatibility date: behaviour changed after it does not apply" },
  { name: "compat-flag", type: "string", value: "FLAG", multiple: true, description: "Compatibility flag, e.g. web_socket_auto_reply_to_close" },
  { name: "max-message-size", type: "integer", value: "BYTES", default: "33554432", description: "Largest WebSocket message accepted; bigger ones close the socket with 1009" },
  { name: "debug", short: "d", type: "boolean", description: "Log debug messages" },
  { name: "help", short: "h", type: "boolean", description: "Show this help and exit" },
  { name: "version", short: "v", type: "boolean", description: "Show the version and exit" },
] as const satisfies readonly FlagSpec[];

export const USAGE = "Usage: flarelet [script] [options]";

/** What the command line asks for, validated. */
export interface CliArgs {
  script?: string;
  modules: boolean;
  /** `--no-bundle`: load files as they are. */
  noBundle: boolean;
  port?: number;
  host?: string;
  watch: boolean;
  bindings: Record<string, string>;
  /** `true`: the default file, required only if given with -e/-c. */
  env?: true | string;
  wranglerConfig?: true | string;
  wranglerEnv?: string;
  compatDate?: string;
  compatFlags: string[];
  maxMessageSize?: number;
  debug: boolean;
  help: boolean;
  version: boolean;
}

/** A command line flarelet cannot run with: the message says why, and the CLI prints it with the usage line. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export function parseCliArgs(argv: readonly string[]): CliArgs {
  const options: NonNullable<ParseArgsConfig["options"]> = {};
  for (const flag of FLAGS as readonly FlagSpec[]) {
    options[flag.name] = {
      type: flag.type === "boolean" ? "boolean" : "string",
      ...(flag.short === undefined ? {} : { short: flag.short }),
      ...(flag.multiple === true ? { multiple: true } : {}),
    };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: fillOptionalValues(argv), options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(describeParseError(error));
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  if (parsed.positionals.length > 1) {
    throw new UsageError(`Expected one script, got ${parsed.positionals.length}: ${parsed.positionals.join(" ")}`);
  }

  const args: CliArgs = {
    modules: values.modules === true,
    noBundle: values["no-bundle"] === true,
    watch: values.watch === true,
    bindings: parseBindings((values.binding as string[] | undefined) ?? []),
    compatFlags: (values["compat-flag"] as string[] | undefined) ?? [],
    debug: values.debug === true,
    help: values.help === true,
    version: values.version === true,
  };
  const script = parsed.positionals[0];
  if (script !== undefined) args.script = script;
  if (values.port !== undefined) args.port = parseInteger("--port", values.port as string, 0, 65535);
  if (values.host !== undefined) args.host = nonEmpty("--host", values.host as string);
  if (values.env !== undefined) args.env = optionalPath(values.env as string);
  if (values["wrangler-config"] !== undefined) args.wranglerConfig = optionalPath(values["wrangler-config"] as string);
  if (values["wrangler-env"] !== undefined) args.wranglerEnv = nonEmpty("--wrangler-env", values["wrangler-env"] as string);
  if (values["compat-date"] !== undefined) args.compatDate = parseDate(values["compat-date"] as string);
  if (values["max-message-size"] !== undefined) {
    args.maxMessageSize = parseInteger("--max-message-size", values["max-message-size"] as string, 1, Number.MAX_SAFE_INTEGER);
  }
  for (const flag of args.compatFlags) nonEmpty("--compat-flag", flag);
  return args;
}

/** Marks a flag whose optional value was left out; parseArgs itself has no optional values. */
const NO_VALUE = "";

/**
 * `-e` and `-c` may come without a value. parseArgs would take the next argument as the value whatever it
 * is, so a bare `-e`/`--env` followed by nothing or by another flag gets an empty value here ("the default
 * file"). A following word that is not a flag is the value, as in Miniflare 2: `flarelet -e .env.test
 * worker.mjs`, or put the script first: `flarelet worker.mjs -e`.
 */
function fillOptionalValues(argv: readonly string[]): string[] {
  const optional = (FLAGS as readonly FlagSpec[]).filter((flag) => flag.optionalValue === true);
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
      out[out.length - 1] = `${arg.startsWith("--") ? arg : longName(arg)}=${NO_VALUE}`;
    }
  }
  return out;
}

function longName(short: string): string {
  const flag = (FLAGS as readonly FlagSpec[]).find((candidate) => candidate.short === short.slice(1));
  return `--${flag!.name}`;
}

function optionalPath(value: string): true | string {
  return value === NO_VALUE ? true : value;
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
