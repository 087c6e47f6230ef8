/**
 * WebSocket upgrades. Every upgrade request goes to the worker; what it answers decides:
 *
 *     client ──GET, Upgrade: websocket──► checkHandshake ──► worker (dispatchFetch)
 *                                                              │
 *        101 + webSocket ──► assertCouplable ──► ws handleUpgrade ──► coupleWebSocket   (client sees 101)
 *        any other status ──► written as an HTTP response; a 2xx also logs a warning   (as the runtime)
 *        throws / unusable webSocket ──► 500 + a logged error saying why
 *
 * The client's socket opens only once the worker answered; what the worker sent on its end before that is
 * delivered first, in order (couple.ts). The worker's response headers go out with the 101, once each:
 * ws's own subprotocol choice is off (`handleProtocols: () => false`), so `Sec-WebSocket-Protocol` is the
 * worker's alone (miniflare#179), and every `Set-Cookie` is its own line (miniflare#151).
 *
 * `ws` is loaded on the first upgrade: a server that never upgrades does not pay for it.
 */
import type { Log, MiniflareCore, Request, Response } from "@flarelet/core";
import { formatError } from "@flarelet/core";
import { assertCouplable, coupleWebSocket, isWebSocketUpgrade, maxMessageSizeOf } from "@flarelet/web-sockets";
import { ServerResponse, validateHeaderName, validateHeaderValue, type IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { Duplex } from "node:stream";
import type { WebSocketServer, WebSocket as WsSocket } from "ws";
import { clientIp } from "./cf.js";
import { checkHandshake } from "./handshake.js";
import { respond, respondWithError } from "./listener.js";
import { logRequest } from "./log.js";
import { writeRawResponse } from "./raw.js";
import { BadRequestError, convertNodeRequest } from "./request.js";
import { upgradeRequestBody } from "./upgrade-body.js";

/** Written by ws itself, or meaningless on a 101 (and compression is never negotiated here). */
const HANDSHAKE_RESPONSE_HEADERS = new Set([
  "upgrade",
  "connection",
  "sec-websocket-accept",
  "sec-websocket-extensions",
  "content-length",
  "transfer-encoding",
  "keep-alive",
  "set-cookie", // added one line per cookie below
]);

const SHUTTING_DOWN = "The server is shutting down.";

export class UpgradeHandler {
  readonly #mf: MiniflareCore;
  /** Every upgraded connection still open, to close on `server.close()`. */
  readonly #sockets = new Set<WsSocket>();
  /** Upgrade requests still waiting for the worker's answer. */
  readonly #pending = new Set<Duplex>();
  /** The worker's response headers for a handshake in progress, read by ws's "headers" event. */
  readonly #responseHeaders = new WeakMap<IncomingMessage, Headers>();
  /** ws's server, one per message limit (the web-sockets plugin's `maxMessageSize`: normally just one). */
  readonly #wss = new Map<number, Promise<WebSocketServer>>();
  #closed = false;

  constructor(mf: MiniflareCore) {
    this.#mf = mf;
  }

  /** The server's "upgrade" listener. */
  readonly listener = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const requestLine = `${req.method} ${req.url}`;
    handleSocketErrors(socket, requestLine, this.#mf.log);
    this.#pending.add(socket);
    this.#handle(req, socket, head)
      .catch((error: unknown) => {
        this.#mf.log.error(`${requestLine}: ${formatError(error)}`);
        socket.destroy();
      })
      .finally(() => this.#pending.delete(socket));
  };

  /**
   * Closes every upgraded connection, answers 503 to handshakes still waiting for the worker (a worker that
   * never answers must not keep the server open), and refuses new ones: the server is closing.
   */
  closeAll(code: number, reason: string): void {
    this.#closed = true;
    for (const ws of this.#sockets) ws.close(code, reason);
    this.#sockets.clear();
    for (const socket of this.#pending) writeRawResponse(socket, 503, SHUTTING_DOWN);
    this.#pending.clear();
  }

  async #handle(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const start = performance.now();
    const mf = this.#mf;
    const method = req.method ?? "GET";
    const path = req.url ?? "/";
    const log = (status: number) => logRequest(mf.log, method, path, status, start);

    const isWebSocket = isWebSocketUpgrade({ get: (name) => headerValue(req, name) });
    if (this.#closed && isWebSocket) {
      writeRawResponse(socket, 503, SHUTTING_DOWN);
      return log(503);
    }
    if (isWebSocket) {
      const refusal = checkHandshake(req.method, req.headers);
      if (refusal !== undefined) {
        writeRawResponse(socket, refusal.status, refusal.message, refusal.headers);
        return log(refusal.status);
      }
    }

    let request: Request;
    try {
      // Other upgrades (h2c) are served as plain requests: the worker does not see their Upgrade header.
      request = convertNodeRequest(req, isWebSocket ? { upgrade: true, body: null } : { body: upgradeRequestBody(req, socket, head) });
    } catch (error) {
      if (!(error instanceof BadRequestError)) throw error;
      writeRawResponse(socket, 400, error.message);
      return log(400);
    }
    // Load ws while the worker answers: a WebSocket upgrade will most likely need it.
    if (isWebSocket) loadWs().catch(() => {});

    let response: Response;
    try {
      response = await mf.dispatchFetch(request);
    } catch (error) {
      return log(await this.#respondOverSocket(req, socket, request, () => Promise.reject(error)));
    }

    if (response.status === 101 && response.webSocket !== null) {
      const { webSocket } = response;
      let server: WebSocketServer;
      try {
        server = await this.#server(maxMessageSizeOf(webSocket));
        // From here to the coupling, all in one tick: the worker cannot accept the socket meanwhile.
        // The runtime's TypeErrors (not a WebSocket, already used, already accepted): the client gets a
        // 500, not a 101.
        assertCouplable(webSocket);
        // ws writes the 101's headers as they are; hold them to the rules Node applies to every other
        // response (no control characters), so that a bad one is a 500 here too.
        for (const [name, value] of response.headers) {
          validateHeaderName(name);
          validateHeaderValue(name, value);
        }
      } catch (error) {
        return log(await this.#respondOverSocket(req, socket, request, () => Promise.reject(error)));
      }
      const upgraded = this.#couple(server, req, socket, head, response);
      // Not upgraded: the server closed meanwhile (the client got a 503), or the client left.
      return log(upgraded || !this.#closed ? 101 : 503);
    }

    if (isWebSocket && response.status >= 200 && response.status < 300) {
      mf.log.warn(
        `${method} ${path}: the worker did not accept the WebSocket upgrade: it answered ` +
          `${response.status} without a webSocket, which is sent to the client as is (as the runtime does).`,
      );
    }
    log(await this.#respondOverSocket(req, socket, request, async () => response));
  }

  /**
   * Completes the handshake and couples the client to the worker's end, in the same tick. Returns false if
   * the client's connection was already gone.
   */
  #couple(wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer, response: Response): boolean {
    const webSocket = response.webSocket;
    assertCouplable(webSocket);
    const label = `${req.method} ${req.url} from ${clientIp(req.socket.remoteAddress)}:${req.socket.remotePort}`;
    const couple = (ws: WsSocket) => {
      try {
        coupleWebSocket(ws, webSocket, { label });
      } catch (error) {
        this.#mf.log.error(`${label}: ${formatError(error)}`);
        ws.terminate();
      }
    };
    let upgraded = false;
    this.#responseHeaders.set(req, response.headers);
    wss.handleUpgrade(req, socket, head, (ws) => {
      upgraded = true;
      this.#track(ws);
      couple(ws);
    });
    this.#responseHeaders.delete(req);
    if (upgraded) return true;
    // ws destroyed the socket without a handshake: the client left while the worker was answering. Couple
    // the worker's end to a stand-in connection that is gone at once, so that it sees 1006 like any client
    // that vanished, instead of waiting forever.
    const standIn = new Duplex({ read() {}, write: (_chunk, _encoding, callback) => callback() });
    wss.handleUpgrade(req, standIn, Buffer.alloc(0), couple);
    standIn.destroy();
    return false;
  }

  #track(ws: WsSocket): void {
    this.#sockets.add(ws);
    ws.once("close", () => this.#sockets.delete(ws));
  }

  /** Writes a plain HTTP response onto the upgrade's socket, then closes the connection. */
  async #respondOverSocket(
    req: IncomingMessage,
    socket: Duplex,
    request: Request,
    getResponse: () => Promise<Response>,
  ): Promise<number> {
    if (socket.destroyed || !socket.writable) {
      // The client already left: nobody to answer, but the worker's answer is still reported and released.
      try {
        const response = await getResponse();
        response.body?.cancel().catch(() => {});
        return response.status;
      } catch (error) {
        this.#mf.log.error(`${req.method} ${req.url}: ${formatError(error)}`);
        return 500;
      }
    }
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false; // "Connection: close": the socket left Node's HTTP handling
    res.on("error", () => socket.destroy());
    res.assignSocket(socket as Socket);
    try {
      return await respond(this.#mf, req, res, request, getResponse);
    } catch (error) {
      return await respondWithError(this.#mf, req, res, request, error);
    } finally {
      res.detachSocket(socket as Socket);
      (socket as Socket).destroySoon();
    }
  }

  #server(maxPayload: number): Promise<WebSocketServer> {
    let wss = this.#wss.get(maxPayload);
    if (wss === undefined) {
      wss = loadWs().then(({ WebSocketServer }) => {
        const server = new WebSocketServer({
          noServer: true,
          clientTracking: false, // tracked here, per server
          maxPayload, // over it: close 1009 (the web-sockets transport adds the runtime's reason)
          perMessageDeflate: false, // as the runtime without web_socket_compression
          handleProtocols: () => false, // the worker's Sec-WebSocket-Protocol only
        });
        server.on("headers", (lines: string[], req: IncomingMessage) => {
          const headers = this.#responseHeaders.get(req);
          if (headers === undefined) return;
          for (const [name, value] of headers) {
            if (!HANDSHAKE_RESPONSE_HEADERS.has(name)) lines.push(`${name}: ${value}`);
          }
          for (const cookie of headers.getSetCookie()) lines.push(`set-cookie: ${cookie}`);
        });
        return server;
      });
      this.#wss.set(maxPayload, wss);
    }
    return wss;
  }
}

let wsModule: Promise<typeof import("ws")> | undefined;
function loadWs(): Promise<typeof import("ws")> {
  wsModule ??= import("ws");
  return wsModule;
}

/**
 * Node removed its own error listener when it handed the socket over; without one, a reset connection would
 * be an uncaught exception. A function of its own so that the listener, which lives as long as the
 * connection, holds the request line and not the whole request (headers and all): ~1 KB per open WebSocket.
 */
function handleSocketErrors(socket: Duplex, requestLine: string, log: Log): void {
  socket.on("error", (error: Error) => {
    log.debug(`${requestLine}: connection error: ${error.message}`);
    socket.destroy();
  });
}

function headerValue(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name.toLowerCase()];
  return typeof value === "string" ? value : Array.isArray(value) ? value.join(", ") : null;
}
