/**
 * The Workers `Response`: Node's own (undici) `Response` plus what the runtime adds, a `webSocket` and the
 * status 101 that only a WebSocket handshake may use. Node's class rejects status 101 outright, so a
 * WebSocket response is built as a 200 internally and reports 101 through the `status` getter: the one
 * place where we depart from undici, kept in this file.
 *
 * Core does not know the web-sockets package. Any object that carries `kResponseWebSocket` (see
 * `@flarelet/core/internal`) may ride in a Response; `@flarelet/web-sockets` puts it on its `WebSocket`.
 */
import { makeImmutable } from "./headers.js";
import { defaultStatusText } from "./status-text.js";
import type { BodyInit, NodeResponseConstructor } from "./types.js";

const BaseResponse = globalThis.Response as unknown as NodeResponseConstructor;
type BaseResponse = globalThis.Response;

/** Marks an object as a WebSocket that a `Response` may carry. */
export const kResponseWebSocket: unique symbol = Symbol("flarelet.responseWebSocket");

/** A WebSocket as core sees it: opaque, only branded. */
export interface ResponseWebSocket {
  readonly [kResponseWebSocket]: true;
}

export interface WorkersResponseInit extends ResponseInit {
  /** Kept on the Response as `response.cf`, as workerd does. */
  cf?: unknown;
  /** The client end of a `WebSocketPair`, for a status 101 response. */
  webSocket?: ResponseWebSocket | null;
}

const SWITCHING_PROTOCOLS = 101;
/** Statuses whose responses have no body (Fetch standard, "null body status"). */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

function isEmptyBody(body: BodyInit): boolean {
  if (typeof body === "string") return body.length === 0;
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return body.byteLength === 0;
  return false;
}

/** The init with workerd's default statusText for `status` when none was given. */
function withStatusText(init: ResponseInit | undefined, status: number): ResponseInit {
  if (init?.statusText !== undefined) return init;
  return { ...(init as ResponseInit | undefined), status, statusText: defaultStatusText(status) };
}

/**
 * A response undici made (redirect(), clone()) keeps its statusText, "" where none was given; workerd's has
 * the default one. The statusText lives in undici's internal state, so the getter is overridden per object.
 */
function withDefaultStatusText(response: Response): Response {
  if (response.statusText === "") {
    Object.defineProperty(response, "statusText", { value: defaultStatusText(response.status), configurable: true });
  }
  return response;
}

export function isResponseWebSocket(value: unknown): value is ResponseWebSocket {
  return typeof value === "object" && value !== null && (value as Partial<ResponseWebSocket>)[kResponseWebSocket] === true;
}

/**
 * The string a Response was constructed with, if nothing has read its body yet: a server can then send it
 * as it is instead of reading the body stream chunk by chunk (a hot path: most worker responses are made
 * from strings). undefined for any other body.
 */
export let unreadTextBody: (response: Response) => string | undefined;

export class Response extends BaseResponse {
  // Responses made by undici itself (clone(), fetch(), Response.error()) are re-branded as this class
  // with Object.setPrototypeOf and so lack these fields: every read goes through `#x in this`.
  #webSocket: ResponseWebSocket | null = null;
  /** The body as given, when it was a string (see `unreadTextBody`). */
  #text: string | undefined;
  /** The `cf` object given to the constructor (workerd keeps it on the Response). */
  #cf: unknown = undefined;

  static {
    unreadTextBody = (response) => {
      if (!(#text in response) || response.#text === undefined) return undefined;
      const body = response.body;
      return body === null || body.locked || response.bodyUsed ? undefined : response.#text;
    };
  }

  constructor(body?: BodyInit | null, init?: WorkersResponseInit | BaseResponse) {
    // Messages as workerd's Response constructor (src/workerd/api/http.c++).
    const webSocket = (init as WorkersResponseInit | undefined)?.webSocket ?? null;
    if (webSocket === null) {
      const status = init?.status === undefined ? 200 : Number(init.status);
      if (!(status >= 200 && status <= 599)) {
        throw new RangeError("Responses may only be constructed with status codes in the range 200 to 599, inclusive.");
      }
      // workerd accepts an empty body with a null-body status (undici refuses any body), and drops it.
      const nullBody = NULL_BODY_STATUSES.has(status);
      if (nullBody && body !== null && body !== undefined && !isEmptyBody(body)) {
        throw new TypeError("Response with null body status (101, 204, 205, or 304) cannot have a body.");
      }
      super(nullBody ? null : body, withStatusText(init, status));
      if (typeof body === "string") this.#text = body;
      const cf = (init as WorkersResponseInit | undefined)?.cf;
      if (cf !== undefined) this.#cf = cf;
      return;
    }
    if (!isResponseWebSocket(webSocket)) {
      throw new TypeError(
        "Incorrect type for the 'webSocket' field on 'InitializerDict': the provided value is not of type 'WebSocket'.",
      );
    }
    if (init?.status !== SWITCHING_PROTOCOLS) {
      throw new RangeError("Responses with a WebSocket must have status code 101.");
    }
    if (body !== null && body !== undefined) {
      throw new TypeError("Response with null body status (101, 204, 205, or 304) cannot have a body.");
    }
    // Status 101 is not constructible in undici; build a 200 and report 101 (see the file comment).
    super(body, { headers: init.headers, statusText: init.statusText ?? "Switching Protocols" });
    this.#webSocket = webSocket;
  }

  /** The `cf` the Response was constructed with (cache settings for a worker's own caching), if any. */
  get cf(): unknown {
    return #cf in this ? this.#cf : undefined;
  }

  /** The WebSocket this response hands over, or null. */
  get webSocket(): ResponseWebSocket | null {
    return #webSocket in this ? this.#webSocket : null;
  }

  override get status(): number {
    return this.webSocket === null ? super.status : SWITCHING_PROTOCOLS;
  }

  override get ok(): boolean {
    return this.webSocket === null ? super.ok : false;
  }

  override clone(): Response {
    if (this.webSocket !== null) {
      throw new TypeError("Cannot clone a response to a WebSocket handshake.");
    }
    return fromBaseResponse(super.clone());
  }

  /**
   * For a response from `dispatchFetch`: settles once every `waitUntil()` promise of that request has,
   * with their values (rejects with the first failure). Resolves to `[]` for any other response.
   */
  waitUntil(): Promise<unknown[]> {
    return waitUntilPromises.get(this) ?? Promise.resolve([]);
  }

  static override error(): Response {
    return fromBaseResponse(BaseResponse.error());
  }

  static override redirect(url: string | URL, status = 302): Response {
    // workerd's messages (api/http.c++, Response::redirect); undici's own say less.
    if (!REDIRECT_STATUSES.has(status)) {
      throw new RangeError(`${status} is not a redirect status code. It must be one of: 301, 302, 303, 307, or 308.`);
    }
    let parsed: URL;
    try {
      parsed = new URL(String(url));
    } catch {
      throw new TypeError(`Unable to parse URL: ${String(url)}`);
    }
    const response = fromBaseResponse(BaseResponse.redirect(parsed, status));
    makeImmutable(response.headers);
    return withDefaultStatusText(response);
  }

  static override json(data: unknown, init?: ResponseInit): Response {
    // Built by undici for its checks and headers, then again from the text, so that servers can send it
    // without reading a stream (unreadTextBody).
    // workerd serialises undefined as the text "undefined" (JSON.stringify gives undefined, and undici refuses it).
    const text = data === undefined ? "undefined" : JSON.stringify(data);
    const base = BaseResponse.json(data === undefined ? null : data, init);
    return new Response(text, { status: base.status, statusText: init?.statusText, headers: base.headers });
  }
}

const waitUntilPromises = new WeakMap<Response, Promise<unknown[]>>();

/**
 * workerd words every failure to reach or read from the other side "Network connection lost." (an Error);
 * undici says "fetch failed" (connecting) or "terminated" (a body cut short), both TypeErrors. An abort
 * keeps its own error.
 */
export function asNetworkError(error: unknown): unknown {
  if (error instanceof TypeError && (error.message === "fetch failed" || error.message === "terminated")) {
    return new Error("Network connection lost.", { cause: error });
  }
  return error;
}

/** workerd's Response types are "default" and "error"; undici reports "basic", "cors" and others too. */
const typeOf = Object.getOwnPropertyDescriptor(BaseResponse.prototype, "type")?.get;
Object.defineProperty(Response.prototype, "type", {
  configurable: true,
  get(this: Response) {
    const type: unknown = typeOf?.call(this);
    return type === "error" ? "error" : "default";
  },
});

// Reading a fetched body that the connection cut short fails with workerd's words (see asNetworkError).
for (const name of ["text", "json", "arrayBuffer", "blob", "formData", "bytes"] as const) {
  const read = (BaseResponse.prototype as unknown as Record<string, ((this: unknown) => Promise<unknown>) | undefined>)[name];
  if (read === undefined) continue;
  Object.defineProperty(Response.prototype, name, {
    configurable: true,
    writable: true,
    value: function (this: Response) {
      return read.call(this).catch((error: unknown) => {
        throw asNetworkError(error);
      });
    },
  });
}

/** Attaches the request's `waitUntil()` promises to the response `dispatchFetch` returns. */
export function setWaitUntil(response: Response, promise: Promise<unknown[]>): void {
  waitUntilPromises.set(response, promise);
}

/**
 * Adopts a Response made by undici (fetch(), clone(), the statics) as a Workers `Response`, keeping all its
 * internal state (url, redirected, type, body).
 */
export function fromBaseResponse(response: BaseResponse | Response): Response {
  if (response instanceof Response) return response;
  return Object.setPrototypeOf(response, Response.prototype) as Response;
}
