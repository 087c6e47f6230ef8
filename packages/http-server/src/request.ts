/**
 * Node's `IncomingMessage` → the Workers `Request` a worker receives, as the runtime would present it:
 *
 * - URL: `http(s)://` + `Host` + the request target; redirects are not followed (`redirect: "manual"`).
 * - Body: the socket's data, streamed as the worker reads it (never buffered whole), for requests that
 *   have one (request-body.ts).
 * - Headers: every value the client sent (repeated headers joined, as `Headers` does), minus the
 *   hop-by-hop headers the runtime strips; `Upgrade` is kept on WebSocket upgrades only.
 * - The headers Cloudflare's edge adds, each only if the client did not send it (so that a test can pose
 *   as another visitor): `CF-Connecting-IP`, `X-Real-IP`, `X-Forwarded-Proto`, `CF-Ray`, `CF-IPCountry`,
 *   `CF-Visitor`.
 * - `Accept-Encoding` is normalised to what the edge offers origins, "br, gzip"; the visitor's own value is
 *   in `request.cf.clientAcceptEncoding` (and response.ts encodes for what the visitor accepts).
 * - `request.cf`: a local placeholder (cf.ts).
 */
import { Request, type WorkerRealm } from "@flarelet/core";
import type { IncomingMessage } from "node:http";
import { clientIp, createCf, PLACEHOLDER_COUNTRY, randomRay } from "./cf.js";
import { requestBodyStream } from "./request-body.js";
import type { Attribute } from "./response.js";

/** What the edge asks origins for, whatever the visitor sent. */
export const NORMALISED_ACCEPT_ENCODING = "br, gzip";

/** Hop-by-hop headers (RFC 9110 §7.6.1) the runtime removes before the worker sees the request. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "expect"]);

/** A request that cannot be turned into a Workers Request; answered with 400. */
export class BadRequestError extends Error {
  override readonly name = "BadRequestError";
}

export interface ConvertOptions {
  /** A WebSocket upgrade: keep `Upgrade` so the worker sees `Upgrade: websocket`. @default false */
  upgrade?: boolean;
  /** The body, if not `req` itself (requests that arrived as an upgrade). */
  body?: ReadableStream<Uint8Array> | null;
  /** Marks the errors the body stream fails with as the worker's (request-body.ts). */
  attribute?: Attribute;
  /** With `enable_request_signal`: what `request.signal` follows (see listener.ts). */
  cancellation?: Cancellation;
  /**
   * The realm of the worker the request is for (`mf.realm`): with `cancellation`, the worker's listeners on
   * `request.signal` get workerd's handling there, so that one that throws is reported, not a crash.
   */
  realm?: WorkerRealm;
}

export interface Cancellation {
  readonly signal: AbortSignal;
  /** Where an exception from a `request.signal` listener goes: no worker code called the abort. */
  reportListenerError(error: unknown): void;
}

/** Headers the edge adds, each only if the client did not send it. */
const EDGE_HEADERS = ["cf-connecting-ip", "x-real-ip", "x-forwarded-proto", "cf-ray", "cf-ipcountry", "cf-visitor"] as const;
const CF_VISITOR = { http: JSON.stringify({ scheme: "http" }), https: JSON.stringify({ scheme: "https" }) };

export function convertNodeRequest(req: IncomingMessage, options: ConvertOptions = {}): Request {
  const scheme = (req.socket as { encrypted?: boolean }).encrypted === true ? "https" : "http";
  const url = requestUrl(req, scheme);

  // Collected as pairs and handed to the Request once: an intermediate Headers object would be copied
  // into the Request's own, and every has()/set() on it costs a lookup (this runs for every request).
  const headers: [string, string][] = [];
  const sent = new Set<string>();
  let clientAcceptEncoding: string | undefined;
  const raw = req.rawHeaders;
  for (let index = 0; index + 1 < raw.length; index += 2) {
    const name = raw[index]!.toLowerCase();
    const value = raw[index + 1]!;
    if (HOP_BY_HOP.has(name) || (name === "upgrade" && options.upgrade !== true)) continue;
    if (name === "accept-encoding") {
      clientAcceptEncoding = clientAcceptEncoding === undefined ? value : `${clientAcceptEncoding}, ${value}`;
      continue;
    }
    if (name.startsWith("cf-") || name.startsWith("x-")) sent.add(name);
    headers.push([name, value]);
  }
  const ip = clientIp(req.socket.remoteAddress);
  const edge: Record<(typeof EDGE_HEADERS)[number], string> = {
    "cf-connecting-ip": ip,
    "x-real-ip": ip,
    "x-forwarded-proto": scheme,
    "cf-ray": randomRay(),
    "cf-ipcountry": PLACEHOLDER_COUNTRY,
    "cf-visitor": CF_VISITOR[scheme],
  };
  for (const name of EDGE_HEADERS) if (!sent.has(name)) headers.push([name, edge[name]]);
  headers.push(["accept-encoding", NORMALISED_ACCEPT_ENCODING]);

  const method = req.method ?? "GET";
  const body = options.body !== undefined ? options.body : hasBody(req) ? requestBodyStream(req, options.attribute) : null;
  try {
    const request = new Request(url, {
      method,
      headers,
      // core's Request adds `duplex: "half"` for stream bodies.
      body: method === "GET" || method === "HEAD" ? null : body,
      redirect: "manual",
      cf: createCf(req, clientAcceptEncoding),
      signal: options.cancellation?.signal,
    });
    // The worker's listeners get its EventTarget's handling; one that throws when the client leaves has no
    // worker code to throw to, so its error is reported.
    if (options.cancellation !== undefined) options.realm?.signal(request.signal, options.cancellation.reportListenerError);
    return request;
  } catch (error) {
    // undici's TypeErrors for header names or values HTTP allows but fetch does not.
    if (error instanceof TypeError) throw new BadRequestError(`Invalid header: ${error.message}`, { cause: error });
    throw error;
  }
}

/**
 * Whether the request carries a body: a `Transfer-Encoding`, or a `Content-Length` above 0 (RFC 9112 §6.3).
 * GET and HEAD never pass one on, as in the runtime.
 */
export function hasBody(req: IncomingMessage): boolean {
  if (req.method === "GET" || req.method === "HEAD") return false;
  if (req.headers["transfer-encoding"] !== undefined) return true;
  const length = req.headers["content-length"];
  return length !== undefined && length !== "0";
}

/** The request's URL from `Host` (or, without one, the address the client connected to) and its target. */
export function requestUrl(req: IncomingMessage, scheme: "http" | "https"): URL {
  const host = req.headers.host ?? localHost(req);
  if (!isValidHost(host)) throw new BadRequestError(`Invalid Host header: ${JSON.stringify(host)}`);
  const target = req.url ?? "/";
  try {
    // Origin form ("/path?q") is appended rather than resolved, so that "//other.host/x" stays a path.
    if (target.startsWith("/")) return new URL(`${scheme}://${host}${target}`);
    if (target === "*") return new URL(`${scheme}://${host}/`);
    // Absolute form ("http://host/path"), as sent to proxies.
    const absolute = new URL(target);
    if (absolute.protocol === "http:" || absolute.protocol === "https:") return absolute;
  } catch {
    // reported below
  }
  throw new BadRequestError(`Invalid request target ${JSON.stringify(target)} for Host ${JSON.stringify(host)}`);
}

/** RFC 9110 §7.2 / RFC 3986 §3.2.2: a reg-name or IPv4 address, or an IPv6 literal, and an optional port. */
export function isValidHost(host: string): boolean {
  return /^(?:[A-Za-z0-9\-._~!$&'()*+,;=%]+|\[[0-9A-Fa-f:.]+\])(?::\d{0,5})?$/.test(host);
}

function localHost(req: IncomingMessage): string {
  const address = req.socket.localAddress ?? "127.0.0.1";
  const port = req.socket.localPort;
  const name = address.includes(":") ? `[${address}]` : address;
  return port === undefined ? name : `${name}:${port}`;
}

