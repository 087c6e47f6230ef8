import { describe, expect, it } from "vitest";
import {
  isProtocolToken,
  isValidCloseCode,
  isWebSocketUpgrade,
  MESSAGES,
  splitProtocols,
  validateCloseArguments,
  validateProtocols,
  validateWebSocketUrl,
} from "@flarelet/web-sockets";

describe("isValidCloseCode", () => {
  it.each([
    [1000, true],
    [1001, true],
    [1003, true],
    [1007, true],
    [1011, true],
    [1012, true],
    [1014, true],
    [1016, true],
    [2999, true],
    [3000, true],
    [4999, true],
    [0, false],
    [999, false],
    [1004, false],
    [1005, false],
    [1006, false],
    [1015, false],
    [5000, false],
    [1000.5, false],
    [Number.NaN, false],
    [-1000, false],
  ])("%s → %s", (code, valid) => {
    expect(isValidCloseCode(code)).toBe(valid);
  });
});

/** Runs `fn` and returns what it threw, so that class, name and message can all be asserted. */
function thrown(fn: () => void): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("validateCloseArguments", () => {
  it.each([
    { code: 0, reason: undefined, name: "InvalidAccessError", message: "Invalid WebSocket close code: 0." },
    { code: 999, reason: undefined, name: "InvalidAccessError", message: "Invalid WebSocket close code: 999." },
    { code: 1005, reason: undefined, name: "InvalidAccessError", message: "Invalid WebSocket close code: 1005." },
    { code: 1006, reason: "x", name: "InvalidAccessError", message: "Invalid WebSocket close code: 1006." },
    { code: 5000, reason: undefined, name: "InvalidAccessError", message: "Invalid WebSocket close code: 5000." },
    {
      code: undefined,
      reason: "bye",
      name: "InvalidAccessError",
      message: "If you specify a WebSocket close reason, you must also specify a code.",
    },
    {
      code: 1000,
      reason: "a".repeat(124),
      name: "SyntaxError",
      message: "WebSocket close reason must not be longer than 123 bytes when UTF-8 encoded.",
    },
    {
      // 62 two-byte characters: 62 code units, 124 UTF-8 bytes.
      code: 1000,
      reason: "é".repeat(62),
      name: "SyntaxError",
      message: "WebSocket close reason must not be longer than 123 bytes when UTF-8 encoded.",
    },
  ])("close($code, $reason) throws DOMException $name", ({ code, reason, name, message }) => {
    const error = thrown(() => validateCloseArguments(code, reason));
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe(name);
    expect((error as DOMException).message).toBe(message);
  });

  it.each([
    [undefined, undefined],
    [1000, undefined],
    [1000, ""],
    [4999, "a".repeat(123)],
    [3001, "é".repeat(61)],
  ])("accepts close(%s, %s)", (code, reason) => {
    expect(() => validateCloseArguments(code, reason)).not.toThrow();
  });
});

describe("validateWebSocketUrl", () => {
  it.each([
    ["not a url", MESSAGES.urlInvalid],
    ["http://example.com/", MESSAGES.urlScheme],
    ["https://example.com/", MESSAGES.urlScheme],
    ["ws://example.com/#frag", MESSAGES.urlFragment],
    ["ws://example.com/#", MESSAGES.urlFragment],
  ])("%s → SyntaxError %s", (url, message) => {
    const error = thrown(() => validateWebSocketUrl(url));
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe("SyntaxError");
    expect((error as DOMException).message).toBe(message);
  });

  it("accepts ws: and wss: URLs", () => {
    expect(validateWebSocketUrl("ws://127.0.0.1:1/path?q").protocol).toBe("ws:");
    expect(validateWebSocketUrl("wss://example.com").protocol).toBe("wss:");
  });
});

describe("validateProtocols", () => {
  it.each([
    ["bad token", MESSAGES.protocolInvalid],
    ["", MESSAGES.protocolInvalid],
    [["ok", "bad,token"], MESSAGES.protocolsInvalid],
    [["chat", "chat"], MESSAGES.protocolsRepeated],
  ] as const)("%j → SyntaxError", (protocols, message) => {
    const error = thrown(() => validateProtocols(protocols));
    expect((error as DOMException).name).toBe("SyntaxError");
    expect((error as DOMException).message).toBe(message);
  });

  it("returns the protocols as a list", () => {
    expect(validateProtocols(undefined)).toEqual([]);
    expect(validateProtocols("chat")).toEqual(["chat"]);
    expect(validateProtocols(["chat", "superchat"])).toEqual(["chat", "superchat"]);
    expect(validateProtocols([])).toEqual([]);
  });
});

describe("isProtocolToken", () => {
  it.each([
    ["chat", true],
    ["v1.chat+json", true],
    ["a b", false],
    ["a/b", false],
    ["é", false],
    ["", false],
  ])("%j → %s", (token, valid) => expect(isProtocolToken(token)).toBe(valid));
});

describe("isWebSocketUpgrade", () => {
  it.each([
    ["websocket", true],
    ["WebSocket", true],
    [" websocket ", true],
    ["h2c", false],
    [null, false],
  ])("Upgrade: %j → %s", (value, expected) => {
    const headers = new Headers(value === null ? {} : { Upgrade: value });
    expect(isWebSocketUpgrade(headers)).toBe(expected);
  });
});

describe("splitProtocols", () => {
  it("splits and trims a Sec-WebSocket-Protocol header (miniflare#106)", () => {
    expect(splitProtocols("chat, superchat ,v2")).toEqual(["chat", "superchat", "v2"]);
    expect(splitProtocols(null)).toEqual([]);
    expect(splitProtocols(" , ")).toEqual([]);
  });
});
