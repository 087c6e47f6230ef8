import { FlareletError } from "./errors.js";

/**
 * A behaviour the real runtime changed over time. Like workerd (`src/workerd/io/compatibility-date.capnp`),
 * it is on for compatibility dates on or after `date`, or when `enable` is listed in the flags, and off when
 * `disable` is listed.
 */
export interface CompatibilityFlagDefinition {
  /** The flag that turns the behaviour on. */
  enable: string;
  /** The flag that turns it off again after its date, where workerd has one. */
  disable?: string;
  /** The compatibility date from which it is on by default; absent for flags that are never on by default. */
  date?: string;
}

/**
 * The flags flarelet implements. Other workerd flags are accepted (with a warning from the caller) so that a
 * real project's wrangler.toml keeps working, but they change nothing here.
 */
export const COMPATIBILITY_FLAGS: readonly CompatibilityFlagDefinition[] = [
  // Binary WebSocket messages arrive as Blob and `binaryType` defaults to "blob".
  { enable: "websocket_standard_binary_type", disable: "no_websocket_standard_binary_type", date: "2026-03-17" },
  // A received Close frame is answered automatically unless accept({ allowHalfOpen: true }).
  { enable: "web_socket_auto_reply_to_close", disable: "web_socket_manual_reply_to_close", date: "2026-04-07" },
  // Close reasons over 123 UTF-8 bytes throw. flarelet rejects them at every date (SPEC.md), see web-sockets.
  { enable: "websocket_close_reason_byte_limit", disable: "no_websocket_close_reason_byte_limit", date: "2026-03-03" },
  // fetch("ws://…") throws "Fetch API cannot load" instead of treating the URL as http.
  { enable: "fetch_refuses_unknown_protocols", disable: "fetch_treats_unknown_protocols_as_http", date: "2021-11-10" },
  // Durable Object stubs (and service bindings) have RPC methods (workerd's fetcherRpc).
  { enable: "rpc", disable: "no_rpc", date: "2024-04-03" },
  // A Durable Object stub's fetch() needs a full URL; before, a path was relative to https://fake-host/.
  { enable: "durable_object_fetch_requires_full_url", disable: "durable_object_fetch_allows_relative_url", date: "2021-11-10" },
  // A Durable Object's storage.deleteAll() deletes its alarm too.
  { enable: "delete_all_deletes_alarm", disable: "delete_all_preserves_alarm", date: "2026-02-24" },
  // Errors copied by structured clone / RPC keep their name and own properties (workerd's
  // enhancedErrorSerialization); before, a non-standard name was prefixed to the message.
  { enable: "enhanced_error_serialization", disable: "legacy_error_serialization", date: "2026-04-21" },
  // `navigator` is a global.
  { enable: "global_navigator", disable: "no_global_navigator", date: "2022-03-21" },
  // Every known HTTP method is upper-cased by Request, not only the six the Fetch standard names.
  { enable: "upper_case_all_http_methods", disable: "no_upper_case_all_http_methods", date: "2024-10-14" },
  // Request's `cache` option is accepted ("no-store", "no-cache"); before, any value throws.
  { enable: "cache_option_enabled", disable: "cache_option_disabled", date: "2024-11-11" },
  // Node.js built-in modules; accepted for wrangler.toml compatibility.
  { enable: "nodejs_compat" },
  // request.signal aborts when the client disconnects before the response is complete (the HTTP server
  // does it). Experimental in workerd, with no default date (compatibility-date.capnp, enableRequestSignal).
  { enable: "enable_request_signal", disable: "disable_request_signal" },
];

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The oldest behaviour: what applies when no compatibility date is given (SPEC.md "Compatibility dates"). */
export const NO_COMPATIBILITY_DATE = "2000-01-01";

export class Compatibility {
  readonly date: string;
  readonly flags: readonly string[];
  /** Flags the caller passed that flarelet does not implement, so that the caller can warn about them. */
  readonly unknownFlags: readonly string[];
  readonly #enabled = new Set<string>();

  constructor(date: string | undefined, flags: readonly string[] = [], today: Date = new Date()) {
    this.date = date ?? NO_COMPATIBILITY_DATE;
    if (date !== undefined) validateDate(date, today);
    this.flags = [...flags];

    const known = new Map<string, CompatibilityFlagDefinition>();
    for (const definition of COMPATIBILITY_FLAGS) {
      known.set(definition.enable, definition);
      if (definition.disable !== undefined) known.set(definition.disable, definition);
    }
    this.unknownFlags = flags.filter((flag) => !known.has(flag));

    for (const definition of COMPATIBILITY_FLAGS) {
      const enabled = flags.includes(definition.enable);
      const disabled = definition.disable !== undefined && flags.includes(definition.disable);
      if (enabled && disabled) {
        throw new FlareletError(
          "ERR_COMPATIBILITY",
          `Compatibility flags "${definition.enable}" and "${definition.disable}" contradict each other.`,
        );
      }
      const byDate = definition.date !== undefined && this.date >= definition.date;
      if (enabled || (byDate && !disabled)) this.#enabled.add(definition.enable);
    }
  }

  /** Whether the behaviour named by `flag` (its enable flag) is on for this date and these flags. */
  isEnabled(flag: string): boolean {
    return this.#enabled.has(flag);
  }
}

function validateDate(date: string, today: Date): void {
  const match = DATE_PATTERN.exec(date);
  const parsed = match === null ? Number.NaN : Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  // Date.UTC rolls 2026-02-30 over into March; round-tripping catches dates that do not exist.
  if (Number.isNaN(parsed) || new Date(parsed).toISOString().slice(0, 10) !== date) {
    throw new FlareletError(
      "ERR_COMPATIBILITY",
      `Invalid compatibility date "${date}": expected a date in the form YYYY-MM-DD.`,
    );
  }
  // Like workerd, refuse dates in the future: behaviour for them is not known yet. One day of slack
  // covers time zones ahead of UTC.
  if (parsed > today.getTime() + 24 * 60 * 60 * 1000) {
    throw new FlareletError(
      "ERR_COMPATIBILITY",
      `Compatibility date "${date}" is in the future; use today's date or an earlier one.`,
    );
  }
}
