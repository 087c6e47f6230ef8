/**
 * Short HTTP responses written straight onto a socket that Node's HTTP machinery no longer (or never)
 * handles: a refused WebSocket handshake, a request the parser could not read. The connection is closed
 * afterwards, since its state is unknown.
 */
import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";

export function writeRawResponse(
  socket: Duplex,
  status: number,
  message: string = STATUS_CODES[status] ?? "",
  headers: Readonly<Record<string, string>> = {},
): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = `${message}\n`;
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}`,
    "Connection: close",
    "Content-Type: text/plain; charset=UTF-8",
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  // `end()` flushes before closing; destroy once flushed so that a client that never reads cannot keep it.
  socket.once("finish", () => socket.destroy());
  socket.end(`${lines.join("\r\n")}\r\n\r\n${body}`);
}
