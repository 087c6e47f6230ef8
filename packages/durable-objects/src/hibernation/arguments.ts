/**
 * How `ctx`'s Hibernation API methods read their arguments, with workerd's rules and messages
 * (src/workerd/api/actor-state.c++ and JSG's conversions), each checked on Miniflare 4:
 *
 * | argument | rule |
 * |---|---|
 * | a WebSocket | a Workers `WebSocket`, else `TypeError: Failed to execute '<method>' on 'DurableObjectState': parameter 1 is not of type 'WebSocket'.` |
 * | tags | omitted: none; not an array (null too): TypeError; elements converted with String(); duplicates dropped; at most 10 distinct, each at most 256 UTF-8 bytes (the message says "characters") |
 * | a tag to look up | omitted: every socket; anything else converted with String() (`null` is the tag "null") |
 * | the auto-response | omitted: unset; else a `WebSocketRequestResponsePair` (null is a TypeError), request and response at most 2,048 UTF-8 bytes each (RangeError) |
 * | the event timeout | omitted or 0: unset; else a uint32 as JSG converts it (NaN, negative, over 2³²−1 are TypeErrors; fractions truncated), at most 604,800,000 ms (7 days) |
 */
import { WebSocket } from "@flarelet/web-sockets";
import { pairContents } from "./response-pair.js";

/** workerd's limits (actor-state.h: MAX_TAGS_PER_CONNECTION, MAX_TAG_LENGTH; actor-state.c++). */
export const MAX_TAGS = 10;
export const MAX_TAG_LENGTH = 256;
export const MAX_AUTO_RESPONSE_SIZE = 2048;
export const MAX_EVENT_TIMEOUT_MS = 604_800_000;

function notOfType(method: string, position: number, type: string): TypeError {
  return new TypeError(`Failed to execute '${method}' on 'DurableObjectState': parameter ${position} is not of type '${type}'.`);
}

export function webSocketArgument(value: unknown, method: string): WebSocket {
  if (!(value instanceof WebSocket)) throw notOfType(method, 1, "WebSocket");
  return value;
}

/** `acceptWebSocket`'s tags, distinct, in the order given; workerd checks the count before each new tag. */
export function distinctTags(tags: unknown): string[] {
  if (tags === undefined) return [];
  if (!Array.isArray(tags)) throw notOfType("acceptWebSocket", 2, "Array");
  const seen = new Set<string>();
  for (const item of tags as unknown[]) {
    const tag = String(item);
    // As workerd's loop: with 10 distinct tags already, any further one fails, even a duplicate.
    if (seen.size >= MAX_TAGS) throw new Error(`a Hibernatable WebSocket cannot have more than ${MAX_TAGS} tags`);
    if (Buffer.byteLength(tag, "utf8") > MAX_TAG_LENGTH) {
      throw new Error(`"${tag}" is longer than the max tag length (${MAX_TAG_LENGTH} characters).`);
    }
    seen.add(tag);
  }
  return [...seen];
}

/** `getWebSockets(tag?)`'s tag. */
export function tagArgument(tag: unknown): string | undefined {
  return tag === undefined ? undefined : String(tag);
}

/** `setWebSocketAutoResponse(pair?)`: the pair's texts, or undefined to unset. */
export function autoResponseArgument(value: unknown): { request: string; response: string } | undefined {
  if (value === undefined) return undefined;
  const pair = pairContents(value);
  if (pair === undefined) throw notOfType("setWebSocketAutoResponse", 1, "WebSocketRequestResponsePair");
  for (const [what, text] of [["Request", pair.request], ["Response", pair.response]] as const) {
    const size = Buffer.byteLength(text, "utf8");
    if (size > MAX_AUTO_RESPONSE_SIZE) {
      throw new RangeError(
        `${what} cannot be larger than ${MAX_AUTO_RESPONSE_SIZE} bytes. A ${what.toLowerCase()} of size ${size} was provided.`,
      );
    }
  }
  return pair;
}

/** `setHibernatableWebSocketEventTimeout(ms?)`: the timeout, or undefined to unset. */
export function eventTimeoutArgument(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const ms = toUint32(value);
  if (ms === 0) return undefined;
  if (ms > MAX_EVENT_TIMEOUT_MS) throw new Error(`Event timeout should not exceed ${MAX_EVENT_TIMEOUT_MS} ms.`);
  return ms;
}

/** JSG's conversion of a JavaScript value to a uint32, with its messages. */
function toUint32(value: unknown): number {
  const number = Number(value);
  if (Number.isNaN(number)) throw new TypeError("The value cannot be converted because it is not an integer.");
  if (number < 0) throw new TypeError("The value cannot be converted because it is negative and this API expects a positive number.");
  if (number > 0xffff_ffff) throw new TypeError("Value out of range. Must be less than or equal to 4294967295.");
  return Math.trunc(number);
}
