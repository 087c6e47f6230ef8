import { MESSAGES } from "./messages.js";
import { HOST_SCOPE, type SocketScope } from "./scope.js";
import { PeerTransport } from "./peer-transport.js";
import { createEnd, endpointOf, WebSocket } from "./websocket.js";

/** `new WebSocketPair()`: two entangled WebSockets, `0` (the client end, to return) and `1` (the server end). */
export interface WebSocketPair {
  readonly 0: WebSocket;
  readonly 1: WebSocket;
  [Symbol.iterator](): IterableIterator<WebSocket>;
}

export interface WebSocketPairConstructor {
  new (): WebSocketPair;
  readonly prototype: WebSocketPair;
}

/**
 * Makes a `WebSocketPair` constructor whose ends are `EndClass` instances in the scope `getScope()` returns
 * when called. It is a function rather than a class so that calling it without `new` throws the runtime's
 * own TypeError rather than V8's "Class constructor … cannot be invoked without 'new'".
 */
export function createWebSocketPairConstructor(
  getScope: () => SocketScope,
  EndClass: typeof WebSocket,
  base?: WebSocketPairConstructor,
): WebSocketPairConstructor {
  const WebSocketPair = function WebSocketPair(this: Record<number, WebSocket>) {
    if (new.target === undefined) throw new TypeError(MESSAGES.pairWithoutNew);
    const scope = getScope();
    const client = createEnd(EndClass, scope);
    const server = createEnd(EndClass, scope);
    const clientEnd = endpointOf(client);
    const serverEnd = endpointOf(server);
    clientEnd.attach(new PeerTransport(serverEnd));
    serverEnd.attach(new PeerTransport(clientEnd));
    // Own, read-only, enumerable "0" and "1", so that Object.values(pair) is [client, server] (workerd:
    // JSG_READONLY_INSTANCE_PROPERTY).
    Object.defineProperty(this, 0, { value: client, enumerable: true });
    Object.defineProperty(this, 1, { value: server, enumerable: true });
  } as unknown as WebSocketPairConstructor;

  if (base === undefined) {
    Object.defineProperty(WebSocketPair.prototype, Symbol.toStringTag, { value: "WebSocketPair", configurable: true });
    // workerd's pair is iterable too (JSG_ITERABLE): `const [client, server] = new WebSocketPair()`.
    Object.defineProperty(WebSocketPair.prototype, Symbol.iterator, {
      value: function* (this: WebSocketPair) {
        yield this[0];
        yield this[1];
      },
      writable: true,
      configurable: true,
    });
  } else {
    // A worker's own constructor: its pairs are `instanceof` the package's WebSocketPair as well.
    Object.setPrototypeOf(WebSocketPair.prototype, base.prototype);
    Object.setPrototypeOf(WebSocketPair, base);
  }
  return WebSocketPair;
}

/** The host's `WebSocketPair`: made outside any worker, its ends use the host realm and the oldest behaviour. */
export const WebSocketPair = createWebSocketPairConstructor(() => HOST_SCOPE, WebSocket);
