/**
 * Checks a WebSocket upgrade request before the worker sees it (RFC 6455 §4.2.1). A request that `ws`
 * would refuse later, after the worker already ran and made its pair, is refused here instead. The rules
 * are ws's (lib/websocket-server.js, `handleUpgrade`), the messages kj's where it has them (the runtime's
 * HTTP server); version 8 (a pre-RFC draft that ws still takes) is refused, as the runtime does.
 */
import { isProtocolToken } from "@flarelet/web-sockets";
import type { IncomingHttpHeaders } from "node:http";

export interface HandshakeRefusal {
  readonly status: number;
  readonly message: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The only version RFC 6455 defines. */
export const WEBSOCKET_VERSION = "13";

/** A Sec-WebSocket-Key is 16 random bytes in base64: 22 characters and "==" (RFC 6455 §4.1). */
export function isValidWebSocketKey(key: string | undefined): boolean {
  return key !== undefined && /^[+/0-9A-Za-z]{22}==$/.test(key);
}

/** A Sec-WebSocket-Protocol header: comma-separated tokens, none repeated (RFC 6455 §4.1, §11.3.4). */
export function isValidProtocolHeader(header: string): boolean {
  const protocols = header.split(",").map((protocol) => protocol.trim());
  return protocols.every(isProtocolToken) && new Set(protocols).size === protocols.length;
}

export function checkHandshake(method: string | undefined, headers: IncomingHttpHeaders): HandshakeRefusal | undefined {
  if (method !== "GET") {
    return { status: 400, message: "WebSocket must be initiated with a GET request." };
  }
  if (headers["sec-websocket-version"] !== WEBSOCKET_VERSION) {
    return {
      status: 400,
      message: "The requested WebSocket version is not supported.",
      headers: { "Sec-WebSocket-Version": WEBSOCKET_VERSION },
    };
  }
  const key = headers["sec-websocket-key"];
  if (key === undefined) return { status: 400, message: "Missing Sec-WebSocket-Key" };
  if (!isValidWebSocketKey(key)) return { status: 400, message: "Invalid Sec-WebSocket-Key" };
  const protocols = headers["sec-websocket-protocol"];
  if (protocols !== undefined && !isValidProtocolHeader(protocols)) {
    return { status: 400, message: "Invalid Sec-WebSocket-Protocol header" };
  }
  return undefined;
}
