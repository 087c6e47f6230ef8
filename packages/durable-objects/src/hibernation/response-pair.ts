/**
 * `WebSocketRequestResponsePair`, the argument of `ctx.setWebSocketAutoResponse()`: a request text and the
 * response the runtime sends when a hibernatable socket receives exactly that text. As workerd's
 * (src/workerd/api/actor-state.h): both arguments converted to strings and required, `request` and
 * `response` read-only getters on the prototype (so the object has no own keys and `JSON.stringify` gives
 * `{}`), and calling it without `new` throws. A function rather than a class, for that message.
 */
const kRequest = Symbol("request");
const kResponse = Symbol("response");

interface PairFields {
  [kRequest]: string;
  [kResponse]: string;
}

export interface WebSocketRequestResponsePair {
  readonly request: string;
  readonly response: string;
}

export interface WebSocketRequestResponsePairConstructor {
  new (request: string, response: string): WebSocketRequestResponsePair;
  readonly prototype: WebSocketRequestResponsePair;
}

const NAME = "WebSocketRequestResponsePair";

function requiredString(value: unknown, position: number): string {
  if (value === undefined) {
    throw new TypeError(`Failed to construct '${NAME}': constructor parameter ${position} is not of type 'string'.`);
  }
  return String(value);
}

export const WebSocketRequestResponsePair = function WebSocketRequestResponsePair(
  this: PairFields,
  request: unknown,
  response: unknown,
) {
  if (new.target === undefined) {
    throw new TypeError(`Failed to construct '${NAME}': Please use the 'new' operator, this object constructor cannot be called as a function.`);
  }
  // Symbol-keyed and non-enumerable: Object.keys() and JSON.stringify() see nothing, as in workerd.
  Object.defineProperty(this, kRequest, { value: requiredString(request, 1) });
  Object.defineProperty(this, kResponse, { value: requiredString(response, 2) });
} as unknown as WebSocketRequestResponsePairConstructor;

// A prototype of our own, so that its properties come in workerd's order (request, response, constructor).
(WebSocketRequestResponsePair as { prototype: object }).prototype = Object.create(Object.prototype, {
  request: {
    get(this: PairFields) {
      return this[kRequest];
    },
    configurable: true,
    enumerable: true,
  },
  response: {
    get(this: PairFields) {
      return this[kResponse];
    },
    configurable: true,
    enumerable: true,
  },
  constructor: { value: WebSocketRequestResponsePair, writable: true, configurable: true },
  [Symbol.toStringTag]: { value: NAME, configurable: true },
});

/** The request and response of `value` if it is a pair made by this constructor, else undefined. */
export function pairContents(value: unknown): { request: string; response: string } | undefined {
  if (typeof value !== "object" || value === null || !Object.hasOwn(value, kRequest)) return undefined;
  const fields = value as PairFields;
  return { request: fields[kRequest], response: fields[kResponse] };
}
