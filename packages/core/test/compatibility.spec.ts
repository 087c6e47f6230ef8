/**
 * Compatibility dates and flags (src/compatibility.ts), directly and through `MiniflareCore`, whose plugins
 * read them from `ctx.compatibility`.
 */
import { describe, expect, it } from "vitest";
import { COMPATIBILITY_FLAGS, Compatibility, FlareletError, LogLevel, type MiniflareCoreOptions } from "@flarelet/core";
import { captureLog, rejectionOf, thrownBy, useCore } from "./helpers.js";

const cores = useCore();
const TODAY = new Date(Date.UTC(2026, 5, 1)); // 2026-06-01, fixed so that the tests do not age

function compatibilityError(fn: () => unknown): FlareletError {
  const error = thrownBy(fn) as FlareletError;
  expect(error).toBeInstanceOf(FlareletError);
  expect(error.code).toBe("ERR_COMPATIBILITY");
  return error;
}

describe("Compatibility: dates", () => {
  it("applies the oldest behaviour without a date", () => {
    const compatibility = new Compatibility(undefined, [], TODAY);
    expect(compatibility.date).toBe("2000-01-01");
    for (const { enable } of COMPATIBILITY_FLAGS) expect(compatibility.isEnabled(enable)).toBe(false);
  });

  it("enables a flag from its date on, and not the day before", () => {
    const before = new Compatibility("2026-03-16", [], TODAY);
    const on = new Compatibility("2026-03-17", [], TODAY);
    const after = new Compatibility("2026-05-01", [], TODAY);
    expect(before.isEnabled("websocket_standard_binary_type")).toBe(false);
    expect(on.isEnabled("websocket_standard_binary_type")).toBe(true);
    expect(after.isEnabled("websocket_standard_binary_type")).toBe(true);
    expect(on.isEnabled("web_socket_auto_reply_to_close")).toBe(false);
    expect(after.isEnabled("web_socket_auto_reply_to_close")).toBe(true);
  });

  it("gives every dated flag exactly its date as the switch-over", () => {
    for (const { enable, date } of COMPATIBILITY_FLAGS) {
      if (date === undefined) continue;
      const dayBefore = new Date(Date.parse(date) - 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
      expect(new Compatibility(dayBefore, [], TODAY).isEnabled(enable)).toBe(false);
      expect(new Compatibility(date, [], TODAY).isEnabled(enable)).toBe(true);
    }
  });

  it.each(["2026-1-01", "01-01-2026", "2026/01/01", "2026-02-30", "2026-13-01", "yesterday", ""])(
    'refuses the malformed date "%s" with ERR_COMPATIBILITY',
    (date) => {
      const error = compatibilityError(() => new Compatibility(date, [], TODAY));
      expect(error.message).toBe(`Invalid compatibility date "${date}": expected a date in the form YYYY-MM-DD.`);
    },
  );

  it("refuses a date in the future with ERR_COMPATIBILITY", () => {
    const error = compatibilityError(() => new Compatibility("2026-06-03", [], TODAY));
    expect(error.message).toBe('Compatibility date "2026-06-03" is in the future; use today\'s date or an earlier one.');
  });

  it("accepts today and tomorrow (time zones ahead of UTC)", () => {
    expect(new Compatibility("2026-06-01", [], TODAY).date).toBe("2026-06-01");
    expect(new Compatibility("2026-06-02", [], TODAY).date).toBe("2026-06-02");
  });
});

describe("Compatibility: flags", () => {
  it("enables a flag before its date when it is listed", () => {
    const compatibility = new Compatibility("2024-01-01", ["websocket_standard_binary_type"], TODAY);
    expect(compatibility.isEnabled("websocket_standard_binary_type")).toBe(true);
    expect(compatibility.isEnabled("web_socket_auto_reply_to_close")).toBe(false);
  });

  it("enables a flag that has no date only when it is listed", () => {
    expect(new Compatibility("2026-05-01", [], TODAY).isEnabled("nodejs_compat")).toBe(false);
    expect(new Compatibility("2026-05-01", ["nodejs_compat"], TODAY).isEnabled("nodejs_compat")).toBe(true);
  });

  it("disables a flag after its date with its disable flag", () => {
    const compatibility = new Compatibility("2026-05-01", ["no_websocket_standard_binary_type", "web_socket_manual_reply_to_close"], TODAY);
    expect(compatibility.isEnabled("websocket_standard_binary_type")).toBe(false);
    expect(compatibility.isEnabled("web_socket_auto_reply_to_close")).toBe(false);
    expect(compatibility.isEnabled("fetch_refuses_unknown_protocols")).toBe(true);
  });

  it("refuses a flag together with its disable flag with ERR_COMPATIBILITY", () => {
    const error = compatibilityError(
      () => new Compatibility(undefined, ["web_socket_auto_reply_to_close", "web_socket_manual_reply_to_close"], TODAY),
    );
    expect(error.message).toBe(
      'Compatibility flags "web_socket_auto_reply_to_close" and "web_socket_manual_reply_to_close" contradict each other.',
    );
  });

  it("lists the flags it does not know in unknownFlags", () => {
    const compatibility = new Compatibility(undefined, ["nodejs_compat", "streams_enable_constructors", "made_up"], TODAY);
    expect(compatibility.unknownFlags).toEqual(["streams_enable_constructors", "made_up"]);
    expect(compatibility.flags).toEqual(["nodejs_compat", "streams_enable_constructors", "made_up"]);
  });

  it("answers false for a flag name it does not know", () => {
    expect(new Compatibility("2026-05-01", ["made_up"], TODAY).isEnabled("made_up")).toBe(false);
  });

  it("answers by enable flag only, not by disable flag", () => {
    expect(new Compatibility("2026-05-01", [], TODAY).isEnabled("no_websocket_standard_binary_type")).toBe(false);
  });
});

describe("MiniflareCore: compatibility options", () => {
  const worker: MiniflareCoreOptions = { modules: true, script: `export default { fetch: () => new Response("") };` };

  it.each([
    ["a malformed date", { compatibilityDate: "2026-2-1" }, /^Invalid compatibility date "2026-2-1"/],
    ["a future date", { compatibilityDate: "2999-01-01" }, /^Compatibility date "2999-01-01" is in the future/],
    ["contradicting flags", { compatibilityFlags: ["nodejs_compat", "no_websocket_standard_binary_type", "websocket_standard_binary_type"] }, /contradict each other\.$/],
  ])("fails the load with ERR_COMPATIBILITY for %s", async (_, options, message) => {
    const mf = cores.create({ ...worker, ...options });
    const error = (await rejectionOf(mf.dispatchFetch())) as FlareletError;
    expect(error.code).toBe("ERR_COMPATIBILITY");
    expect(error.message).toMatch(message);
  });

  it("warns once per load about each flag flarelet does not implement", async () => {
    const { log, lines } = captureLog(LogLevel.WARN);
    const mf = cores.create({ ...worker, log, compatibilityFlags: ["nodejs_compat", "streams_enable_constructors"] });
    await mf.dispatchFetch();
    expect(lines).toEqual([
      '[flarelet:wrn] Compatibility flag "streams_enable_constructors" is not implemented by flarelet and changes nothing here.',
    ]);
  });

  it("gives plugins the date and flags, and applies new ones on setOptions()", async () => {
    const seen: boolean[] = [];
    const mf = cores.create({
      ...worker,
      compatibilityDate: "2026-01-01",
      plugins: [{ name: "reader", setup: (ctx) => void seen.push(ctx.compatibility.isEnabled("web_socket_auto_reply_to_close")) }],
    });
    await mf.dispatchFetch();
    await mf.setOptions({ compatibilityFlags: ["web_socket_auto_reply_to_close"] });
    await mf.setOptions({ compatibilityDate: "2026-04-07", compatibilityFlags: [] });
    expect(seen).toEqual([false, true, true]);
  });
});
