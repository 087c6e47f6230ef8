import type { Endpoint } from "./endpoint.js";
import type { Transport } from "./wire.js";
import { MESSAGES } from "./messages.js";

/** The other end of a pair, as a transport: every send and close lands in the peer's queue. */
export class PeerTransport implements Transport {
  readonly peer: Endpoint;

  constructor(peer: Endpoint) {
    this.peer = peer;
  }

  send(data: string | Uint8Array): void {
    this.peer.receiveLater({ kind: "message", data });
  }

  close(code: number | undefined, reason: string): void {
    this.peer.receiveLater({ kind: "close", code: code ?? 1005, reason, wasClean: true });
  }

  abort(): void {
    this.peer.receiveLater({ kind: "close", code: 1006, reason: MESSAGES.disconnected, wasClean: false });
  }
}
