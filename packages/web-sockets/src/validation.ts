/**
 * Validation rules of the Workers WebSocket API, each a small pure function (table-tested in
 * test/validation.spec.ts). They follow workerd, which differs from both `ws` and undici:
 *
 * | rule                   | workerd (and flarelet)                          | ws                | undici (WHATWG)   |
 * |------------------------|-------------------------------------------------|-------------------|-------------------|
 * | valid close codes      | 1000–4999 except 1004, 1005, 1006, 1015         | 1000–1014 minus   | 1000, 3000–4999   |
 * |                        | (SPEC.md: this range, 0 included as invalid)    | reserved, 3000+   |                   |
 * | invalid code error     | DOMException InvalidAccessError                 | TypeError         | InvalidAccessError|
 * | reason > 123 bytes     | DOMException SyntaxError, at every date         | RangeError        | SyntaxError       |
 */
import { MESSAGES } from "./messages.js";

/** RFC 6455 §5.5: a control frame's payload is at most 125 bytes, 2 of which hold the close code. */
export const MAX_CLOSE_REASON_BYTES = 123;

/** Close codes the runtime refuses from user code: reserved for the protocol or for local use. */
const RESERVED_CLOSE_CODES = new Set([
  1004, // reserved
  1005, // No Status Received: only reported, never sent
  1006, // Abnormal Closure: only reported, never sent
  1015, // TLS Handshake failure: only reported, never sent
]);

/** Whether user code may pass `code` to `close()` (workerd's legacy range, as SPEC.md requires). */
export function isValidCloseCode(code: number): boolean {
  return Number.isInteger(code) && code >= 1000 && code <= 4999 && !RESERVED_CLOSE_CODES.has(code);
}

export function utf8Length(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/**
 * Checks `close(code, reason)` arguments in the runtime's order: the code, a reason without a code, then
 * the reason's length. Presence is tested with `!== undefined`, never truthiness, so `close(0)` is refused
 * (Miniflare 2 let it through).
 */
export function validateCloseArguments(code: number | undefined, reason: string | undefined): void {
  if (code !== undefined && !isValidCloseCode(code)) {
    throw new DOMException(MESSAGES.invalidCloseCode(code), "InvalidAccessError");
  }
  if (reason !== undefined && code === undefined) {
    throw new DOMException(MESSAGES.reasonWithoutCode, "InvalidAccessError");
  }
  if (reason !== undefined && utf8Length(reason) > MAX_CLOSE_REASON_BYTES) {
    throw new DOMException(MESSAGES.reasonTooLong, "SyntaxError");
  }
}

/** Converts a `close()` code argument like WebIDL `unsigned short` would be read by the runtime: as a number. */
export function toCloseCode(code: unknown): number | undefined {
  return code === undefined ? undefined : Number(code);
}

/** RFC 6455 §4.1 / RFC 7230 §3.2.6: a subprotocol is a token: visible ASCII without separators. */
export function isProtocolToken(protocol: string): boolean {
  return /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(protocol);
}

/** Validates `new WebSocket(url, protocols)`'s protocols as workerd does; returns them as a list. */
export function validateProtocols(protocols: string | readonly string[] | undefined): string[] {
  if (protocols === undefined) return [];
  if (typeof protocols === "string") {
    if (!isProtocolToken(protocols)) throw new DOMException(MESSAGES.protocolInvalid, "SyntaxError");
    return [protocols];
  }
  const list = [...protocols].map(String);
  if (list.some((protocol) => !isProtocolToken(protocol))) {
    throw new DOMException(MESSAGES.protocolsInvalid, "SyntaxError");
  }
  if (new Set(list).size !== list.length) {
    throw new DOMException(MESSAGES.protocolsRepeated, "SyntaxError");
  }
  return list;
}

/** Validates `new WebSocket(url)`'s URL as workerd does; returns the parsed URL. */
export function validateWebSocketUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DOMException(MESSAGES.urlInvalid, "SyntaxError");
  }
  if (parsed.protocol !== "ws:" && parsed.protocol !== "wss:") {
    throw new DOMException(MESSAGES.urlScheme, "SyntaxError");
  }
  if (parsed.hash !== "" || url.includes("#")) {
    throw new DOMException(MESSAGES.urlFragment, "SyntaxError");
  }
  return parsed;
}

/** Whether request headers ask for a WebSocket upgrade (`Upgrade: websocket`, compared case-insensitively). */
export function isWebSocketUpgrade(headers: { get(name: string): string | null }): boolean {
  return headers.get("upgrade")?.trim().toLowerCase() === "websocket";
}

/** Splits a `Sec-WebSocket-Protocol` header into its protocols (miniflare#106). */
export function splitProtocols(header: string | null): string[] {
  if (header === null) return [];
  return header
    .split(",")
    .map((protocol) => protocol.trim())
    .filter((protocol) => protocol !== "");
}
