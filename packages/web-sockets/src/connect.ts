/**
 * Outgoing WebSocket connections made with `ws`, shared by `new WebSocket(url)` and the upgrading `fetch()`.
 * `ws` is imported on first use: a worker that never opens a connection does not pay for loading it.
 */
import type { ClientRequest, IncomingMessage } from "node:http";
import type { WebSocket as WsSocket } from "ws";

export interface ConnectOptions {
  protocols: string[];
  headers: Record<string, string>;
  maxMessageSize: number;
  followRedirects: boolean;
}

export type ConnectResult =
  | { kind: "open"; ws: WsSocket; response: IncomingMessage | undefined }
  | { kind: "unexpected-response"; request: ClientRequest; response: IncomingMessage };

export interface PendingConnection {
  readonly result: Promise<ConnectResult>;
  /** Gives up on the handshake: `result` rejects. */
  cancel(): void;
}

let wsModule: Promise<typeof import("ws")> | undefined;
export function loadWs(): Promise<typeof import("ws")> {
  wsModule ??= import("ws");
  return wsModule;
}

export function connect(url: URL, options: ConnectOptions): PendingConnection {
  let ws: WsSocket | undefined;
  let cancelled = false;
  const result = (async (): Promise<ConnectResult> => {
    const { WebSocket: WsClient } = await loadWs();
    if (cancelled) throw new Error("Called close before connection was established.");
    const socket = new WsClient(url, options.protocols, {
      headers: options.headers,
      // Compression is off, as in the runtime without the web_socket_compression flag; it also costs CPU.
      perMessageDeflate: false,
      maxPayload: options.maxMessageSize,
      followRedirects: options.followRedirects,
    });
    ws = socket;
    return await new Promise<ConnectResult>((resolve, reject) => {
      let upgrade: IncomingMessage | undefined;
      socket.once("upgrade", (response) => (upgrade = response));
      // `reject` stays registered as an "error" listener after the handshake: a settled promise ignores
      // it, and an EventEmitter "error" without listeners would be thrown.
      socket.once("open", () => {
        // Frames the server sent with its handshake (a welcome message, an immediate Close) are already in
        // the socket's buffer and would be parsed before the caller's promise reaction attaches listeners:
        // read nothing more until the NetworkTransport starts (it resumes reading).
        socket.pause();
        resolve({ kind: "open", ws: socket, response: upgrade });
      });
      socket.once("unexpected-response", (request, response) => resolve({ kind: "unexpected-response", request, response }));
      socket.on("error", reject);
    });
  })();
  return {
    result,
    cancel() {
      cancelled = true;
      ws?.terminate();
    },
  };
}

/** Headers of a Node response as web `Headers`, repeated fields (Set-Cookie) kept apart. */
export function headersOf(response: IncomingMessage | undefined): Headers {
  const headers = new Headers();
  const raw = response?.rawHeaders ?? [];
  for (let index = 0; index + 1 < raw.length; index += 2) headers.append(raw[index]!, raw[index + 1]!);
  return headers;
}
