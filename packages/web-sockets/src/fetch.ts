/**
 * The worker's `fetch`, which also opens WebSockets: a request with `Upgrade: websocket` is made with `ws`
 * and, on 101, resolves to a Response whose `webSocket` the worker must `accept()` (or return). Like
 * workerd (http.c++, fetchImplNoOutputLock):
 * - the handshake is always a GET without a body, whatever the request's method;
 * - an upstream that answers anything but 101 gives an ordinary Response with that status and body;
 * - a connection failure rejects with a catchable TypeError;
 * - `ws:`/`wss:` URLs are refused from 2021-11-10 (`fetch_refuses_unknown_protocols`), and rewritten to
 *   http(s) with a warning before that date.
 */
import { Request, Response, type WorkersFetch } from "@flarelet/core";
import { Readable } from "node:stream";
import { connect, headersOf } from "./connect.js";
import { MESSAGES } from "./messages.js";
import type { SocketScope } from "./scope.js";
import { NetworkTransport } from "./transport.js";
import { isWebSocketUpgrade, splitProtocols } from "./validation.js";
import { createEnd, endpointOf, WebSocket } from "./websocket.js";

/** Headers `ws` writes itself for the handshake; the worker's own values must not be sent twice. */
const HANDSHAKE_HEADERS = new Set([
  "upgrade",
  "connection",
  "sec-websocket-key",
  "sec-websocket-version",
  "sec-websocket-extensions",
  "sec-websocket-protocol",
  "host",
  "content-length",
  "transfer-encoding",
]);

/** `previous`: the `fetch` this one overrides (core's, or an earlier plugin's), for every other request. */
export function createUpgradingFetch(getScope: () => SocketScope, EndClass: typeof WebSocket, previous: WorkersFetch): WorkersFetch {
  return async function fetch(input, init) {
    const scope = getScope();
    let request = new Request(input, init);
    const url = new URL(request.url);
    if (url.protocol === "ws:" || url.protocol === "wss:") {
      if (scope.refuseUnknownProtocols) throw new TypeError(MESSAGES.fetchUnknownProtocol(request.url));
      url.protocol = url.protocol === "wss:" ? "https:" : "http:";
      scope.log.warn(
        `fetch() treats WebSockets as a special kind of HTTP request: use http(s):// URLs, not ws(s)://. ` +
          `Fetching ${url.href} instead.`,
      );
      request = new Request(url, request);
    }
    if (!isWebSocketUpgrade(request.headers)) return previous(request);
    return upgrade(request, url, scope, EndClass);
  };
}

async function upgrade(request: Request, url: URL, scope: SocketScope, EndClass: typeof WebSocket): Promise<Response> {
  const target = new URL(url);
  target.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const headers: Record<string, string> = {};
  for (const [name, value] of request.headers) if (!HANDSHAKE_HEADERS.has(name)) headers[name] = value;

  let result;
  try {
    result = await connect(target, {
      protocols: splitProtocols(request.headers.get("sec-websocket-protocol")),
      headers,
      maxMessageSize: scope.maxMessageSize,
      followRedirects: request.redirect === "follow",
    }).result;
  } catch (error) {
    throw new Error(MESSAGES.networkLost, { cause: error });
  }

  if (result.kind === "unexpected-response") {
    const { request: clientRequest, response } = result;
    // The body streams to the worker; the connection is dropped once it is read (or abandoned).
    response.once("end", () => clientRequest.destroy());
    response.once("close", () => clientRequest.destroy());
    const status = response.statusCode ?? 500;
    const noBody = status === 204 || status === 205 || status === 304 || request.method === "HEAD";
    return new Response(noBody ? null : (Readable.toWeb(response) as ReadableStream<Uint8Array>), {
      status,
      statusText: response.statusMessage ?? "",
      headers: headersOf(response),
    });
  }

  const socket = createEnd(EndClass, scope);
  const end = endpointOf(socket);
  const label = `fetch() WebSocket to ${target.href}`;
  end.label = label;
  const transport = new NetworkTransport(result.ws, end, {
    realm: scope.realm,
    log: scope.log,
    maxMessageSize: scope.maxMessageSize,
    maxBufferedAmount: scope.maxBufferedAmount,
    label,
  });
  end.attach(transport);
  transport.start();
  return new Response(null, { status: 101, webSocket: socket, headers: headersOf(result.response) });
}
