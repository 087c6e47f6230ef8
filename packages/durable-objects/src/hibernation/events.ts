/**
 * A hibernatable socket's event, delivered to the object's handler as workerd delivers it
 * (src/workerd/api/global-scope.c++, `sendHibernatableWebSocket*`), through the input gate like any other
 * event, constructing the object if it hibernated:
 *
 *   message ─► webSocketMessage(ws, message)             text as a string, binary as an ArrayBuffer
 *   Close   ─► webSocketClose(ws, code, reason, wasClean) a vanished peer: 1006, "WebSocket disconnected
 *                                                          without sending Close frame.", false
 *   error   ─► webSocketError(ws, error)
 *
 * A missing handler is no error. After a Close or an error the socket leaves `getWebSockets()` once its
 * handler has finished (it is listed while the handler runs, awaits included, in CLOSING or CLOSED). A handler that
 * throws is logged and the socket stays open, as in workerd. With an event timeout set, a handler still
 * running after it resets the object: workerd logs "Actor exceeded event execution time and was
 * disconnected." and drops the object with its connections.
 */
import type { ObjectHost } from "../host.js";
import type { SocketEvent, SocketRecord } from "./sockets.js";

const HANDLERS = { message: "webSocketMessage", close: "webSocketClose", error: "webSocketError" } as const;

export function deliverSocketEvent(host: ObjectHost, record: SocketRecord, event: SocketEvent): void {
  const name = HANDLERS[event.kind];
  const sockets = host.sockets;
  let timer: NodeJS.Timeout | undefined;
  const delivered = host.deliver((instance) => {
    const handler = instance[name];
    if (typeof handler !== "function") return undefined;
    const result = (handler as (...args: unknown[]) => unknown).apply(instance, [record.socket.webSocket, ...argumentsOf(event, host)]);
    const timeout = sockets.eventTimeout;
    if (timeout === undefined || !isPromise(result)) return result;
    return new Promise((resolve, reject) => {
      timer = setTimeout(() => {
        host.load.reportError(`${name}() of Durable Object ${host.label}`, new Error("Actor exceeded event execution time and was disconnected."));
        host.resetAfterTimeout();
        resolve(undefined);
      }, timeout);
      result.then(resolve, reject);
    });
  }, name);
  delivered
    .catch((error: unknown) => host.load.reportError(`Uncaught exception in ${name}() of Durable Object ${host.label}`, error))
    .finally(() => {
      clearTimeout(timer);
      // After a Close or an error the socket is listed until its handler has finished (workerd, checked).
      if (event.kind !== "message") sockets.remove(record);
    });
}

function argumentsOf(event: SocketEvent, host: ObjectHost): unknown[] {
  switch (event.kind) {
    case "message":
      return [event.data];
    case "close":
      return [event.code, event.reason, event.wasClean];
    case "error":
      return [protocolError(event.error, host.load.realm.Error)];
  }
}

/**
 * The error `webSocketError` receives, worded as workerd's for a protocol error (its kj exception:
 * "WebSocket protocol error; protocolError.statusCode = 1009; protocolError.description = Message is too
 * large"), built from what `ws` reported, in the worker's realm.
 */
function protocolError(error: unknown, RealmError: ErrorConstructor): Error {
  const cause = (error as { cause?: unknown } | undefined)?.cause as (Error & { code?: string }) | undefined;
  if (cause?.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") {
    return new RealmError("WebSocket protocol error; protocolError.statusCode = 1009; protocolError.description = Message is too large");
  }
  const statusSymbol = cause === undefined ? undefined : Object.getOwnPropertySymbols(cause).find((symbol) => symbol.description === "status-code");
  const status = statusSymbol === undefined ? 1002 : (cause as unknown as Record<symbol, unknown>)[statusSymbol];
  const description = cause?.message ?? String((error as Error | undefined)?.message ?? error);
  return new RealmError(`WebSocket protocol error; protocolError.statusCode = ${String(status)}; protocolError.description = ${description}`);
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === "function";
}
