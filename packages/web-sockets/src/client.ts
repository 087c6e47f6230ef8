/**
 * `new WebSocket(url, protocols)` inside a worker: checks the arguments as workerd does, then connects
 * with `ws`. Events: "open" once connected; on failure "error" then "close" 1006 "Failed to establish
 * websocket connection" (wasClean false), as workerd reports it (web-socket.c++, initConnection).
 */
import { messageOf } from "@flarelet/core/internal";
import { connect, type PendingConnection } from "./connect.js";
import { MESSAGES } from "./messages.js";
import type { SocketScope } from "./scope.js";
import { NetworkTransport } from "./transport.js";
import { validateProtocols, validateWebSocketUrl } from "./validation.js";
import {
  kAttachTransport,
  kConnected,
  kConnectFailed,
  setClientConnector,
  type Transport,
  type WebSocket,
} from "./websocket.js";

/** Until the handshake completes, the socket's transport can only cancel it. */
class ConnectingTransport implements Transport {
  readonly remote = true;
  readonly #pending: PendingConnection;

  constructor(pending: PendingConnection) {
    this.#pending = pending;
  }

  send(): void {}
  close(): void {
    this.#pending.cancel();
  }
  abort(): void {
    this.#pending.cancel();
  }
}

function connectClient(socket: WebSocket, url: string, protocols: string | string[] | undefined, scope: SocketScope): void {
  const target = validateWebSocketUrl(url);
  const protocolList = validateProtocols(protocols);
  const pending = connect(target, {
    protocols: protocolList,
    headers: {},
    maxMessageSize: scope.maxMessageSize,
    followRedirects: false,
  });
  socket[kAttachTransport](new ConnectingTransport(pending));
  pending.result.then(
    (result) => {
      if (result.kind === "unexpected-response") {
        result.request.destroy();
        const error = new TypeError(MESSAGES.connectFailedStatus(result.response.statusCode ?? 0));
        socket[kConnectFailed](error, `Uncaught ${String(error)}`);
        return;
      }
      const transport = new NetworkTransport(result.ws, socket, {
        realm: scope.realm,
        log: scope.log,
        maxMessageSize: scope.maxMessageSize,
        maxBufferedAmount: scope.maxBufferedAmount,
        label: `new WebSocket(${url})`,
      });
      socket[kAttachTransport](transport);
      transport.start();
      socket[kConnected]({ protocol: result.ws.protocol || null, extensions: result.ws.extensions || null });
    },
    (error: unknown) => {
      const failure = new Error(messageOf(error), { cause: error });
      socket[kConnectFailed](failure, `Uncaught ${String(failure)}`);
    },
  );
}

setClientConnector(connectClient);
