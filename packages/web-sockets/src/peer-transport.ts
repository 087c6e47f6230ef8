import { MESSAGES } from "./messages.js";
import { kReceiveLater, type Transport, type WebSocket } from "./websocket.js";

/** The other end of a pair, as a transport: every send and close lands in the peer's queue. */
export class PeerTransport implements Transport {
  readonly remote = false;
  readonly peer: WebSocket;

  constructor(peer: WebSocket) {
    this.peer = peer;
  }

  send(data: string | Uint8Array): void {
    this.peer[kReceiveLater]({ kind: "message", data });
  }

  close(code: number | undefined, reason: string): void {
    this.peer[kReceiveLater]({ kind: "close", code: code ?? 1005, reason, wasClean: true });
  }

  abort(): void {
    this.peer[kReceiveLater]({ kind: "close", code: 1006, reason: MESSAGES.disconnected, wasClean: false });
  }
}
