/**
 * `new WebSocket(url, protocols)` inside a worker: checks the arguments as workerd does, then connects
 * with `ws`. Events: "open" once connected; on failure "error" then "close" 1006 "Failed to establish
 * websocket connection" (wasClean false), as workerd reports it (web-socket.c++, initConnection).
 */
import { connect, type PendingConnection } from "./connect.js";
import type { Endpoint } from "./endpoint.js";
import type { Transport } from "./wire.js";
import { MESSAGES } from "./messages.js";
import { NetworkTransport } from "./transport.js";
import { validateProtocols, validateWebSocketUrl } from "./validation.js";

/** Until the handshake completes, the socket's transport can only cancel it. */
class ConnectingTransport implements Transport {
  readonly #pending: PendingConnection;
  /** The load that made the socket ended: the outcome of the handshake is of no interest any more. */
  detached = false;

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
  detach(): void {
    this.detached = true;
    this.#pending.cancel();
  }
}

/** Starts the connection of `end`, a `new WebSocket(url)` socket; throws workerd's errors for bad arguments. */
export function connectClient(end: Endpoint, url: string, protocols: string | string[] | undefined): void {
  const { scope } = end;
  const target = validateWebSocketUrl(url);
  const protocolList = validateProtocols(protocols);
  const pending = connect(target, {
    protocols: protocolList,
    headers: {},
    maxMessageSize: scope.maxMessageSize,
    followRedirects: false,
  });
  const connecting = new ConnectingTransport(pending);
  end.attach(connecting);
  pending.result.then(
    (result) => {
      if (result.kind === "unexpected-response") {
        result.request.destroy();
        if (connecting.detached) return;
        const error = new TypeError(MESSAGES.connectFailedStatus(result.response.statusCode ?? 0));
        end.connectFailed(error, `Uncaught ${String(error)}`);
        return;
      }
      if (connecting.detached) {
        result.ws.terminate();
        return;
      }
      const transport = new NetworkTransport(result.ws, end, {
        realm: scope.realm,
        log: scope.log,
        maxMessageSize: scope.maxMessageSize,
        maxBufferedAmount: scope.maxBufferedAmount,
        label: end.label,
      });
      end.attach(transport);
      transport.start();
      end.connected({ protocol: result.ws.protocol || null, extensions: result.ws.extensions || null });
    },
    (error: unknown) => {
      if (connecting.detached) return;
      // workerd reports any failure to connect (refused, reset, cancelled by close()) in the same words.
      const failure = new Error(MESSAGES.networkLost, { cause: error });
      end.connectFailed(failure, `Uncaught ${String(failure)}`);
    },
  );
}
