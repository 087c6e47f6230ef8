/**
 * The Workers `Request`: Node's own (undici) `Request` plus `cf`, the object the runtime attaches with what
 * Cloudflare knows about the incoming request. flarelet never fetches real `cf` data; the http-server
 * package fills in a local placeholder.
 */
import type { NodeRequestConstructor, RequestInfo } from "./types.js";

const BaseRequest = globalThis.Request as unknown as NodeRequestConstructor;
type BaseRequest = globalThis.Request;

/** The subset of `IncomingRequestCfProperties` flarelet fills in; any other keys pass through unchanged. */
export type RequestCf = Record<string, unknown>;

export interface WorkersRequestInit extends RequestInit {
  cf?: RequestCf;
}

// Requests made by undici itself (clone()) are re-branded with Object.setPrototypeOf and lack private
// fields, so `cf` lives under a module-local symbol rather than in a #field.
const kCf = Symbol("flarelet.cf");

export class Request extends BaseRequest {
  declare [kCf]?: RequestCf;

  constructor(input: RequestInfo, init?: WorkersRequestInit) {
    // The Workers runtime streams request bodies without asking for `duplex`; undici insists on it.
    const needsDuplex = init?.body instanceof ReadableStream && init.duplex === undefined;
    super(input, needsDuplex ? { ...init, duplex: "half" } : init);
    const cf = init?.cf ?? (input instanceof Request ? input.cf : undefined);
    if (cf !== undefined) this[kCf] = cf;
  }

  /** What Cloudflare knows about the request: location, TLS, bot score… (a local placeholder here). */
  get cf(): RequestCf | undefined {
    return this[kCf];
  }

  override clone(): Request {
    const copy = fromBaseRequest(super.clone());
    if (this[kCf] !== undefined) copy[kCf] = this[kCf];
    return copy;
  }
}

/**
 * workerd's Request has no `mode`, `credentials`, `referrer`, `referrerPolicy` or `destination` (a browser's
 * concerns), and a `cache` only when one was given: they read undefined, where undici reports its defaults.
 * (Defined on the prototype: the DOM-less types declare them as undici's properties.)
 */
const cacheOf = Object.getOwnPropertyDescriptor(BaseRequest.prototype, "cache")?.get;
Object.defineProperties(Request.prototype, {
  cache: {
    configurable: true,
    get(this: Request) {
      const cache: unknown = cacheOf?.call(this);
      return cache === "default" ? undefined : cache;
    },
  },
  ...Object.fromEntries(
    ["mode", "credentials", "referrer", "referrerPolicy", "destination"].map((name) => [name, { configurable: true, get: () => undefined }]),
  ),
});

/** Adopts a Request made by undici as a Workers `Request`, keeping all its internal state. */
export function fromBaseRequest(request: BaseRequest | Request): Request {
  if (request instanceof Request) return request;
  return Object.setPrototypeOf(request, Request.prototype) as Request;
}

/** `duplex` is in undici's RequestInit but not yet in TypeScript's DOM-less lib types. */
declare global {
  interface RequestInit {
    duplex?: "half";
  }
}
