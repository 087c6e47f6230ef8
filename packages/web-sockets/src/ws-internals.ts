/**
 * Two places where the runtime's behaviour cannot be had from `ws`'s public API, so we step into its
 * internals (ws 8.23, pinned; test/ws-internals.spec.ts fails if an upgrade changes them):
 *
 * 1. `ws` answers every Close frame it receives at once, echoing the code, and has no option to stop it.
 *    The runtime does not (before 2026-04-07, or with `allowHalfOpen`): the worker's own `close()` is the
 *    reply, and the client must see the worker's code and reason. We run ws's own "conclude" handler
 *    with `close()` disabled for the call, so that all its bookkeeping happens but no reply is sent, and
 *    let the worker (or the auto-reply rule) send it.
 * 2. Over `maxPayload`, `ws` closes with 1009 and no reason; the runtime's reason is
 *    "Message is too large: <frame size> > <remaining limit>" (kj `WebSocketImpl::receive`). We run ws's
 *    error handler with `close()` wrapped to add that reason.
 */
import type { WebSocket as WsSocket } from "ws";
import { MESSAGES } from "./messages.js";

interface WsReceiverInternals {
  _payloadLength: number;
  _totalPayloadLength: number;
  _maxPayload: number;
  listeners(event: string): ((...args: unknown[]) => void)[];
  removeListener(event: string, listener: (...args: unknown[]) => void): void;
  on(event: string, listener: (...args: unknown[]) => void): void;
}

interface WsInternals {
  _receiver: WsReceiverInternals | null;
  _closeFrameSent: boolean;
  close(code?: number, reason?: string | Buffer): void;
}

function receiverOf(ws: WsSocket): WsReceiverInternals {
  const receiver = (ws as unknown as WsInternals)._receiver;
  if (receiver === null || receiver === undefined) throw new Error("flarelet: ws socket has no receiver yet");
  return receiver;
}

/** Runs `fn` with `ws.close` replaced by `replacement`. */
function withClose(ws: WsSocket, replacement: WsInternals["close"], fn: () => void): void {
  const internals = ws as unknown as WsInternals;
  const original = internals.close;
  internals.close = replacement;
  try {
    fn();
  } finally {
    internals.close = original;
  }
}

/** Replaces ws's reply to a received Close frame with `onCloseFrame(code, reason)`. */
export function takeOverCloseReply(ws: WsSocket, onCloseFrame: (code: number, reason: string) => void): void {
  const receiver = receiverOf(ws);
  const [conclude] = receiver.listeners("conclude");
  if (conclude === undefined) throw new Error("flarelet: ws internals changed (no 'conclude' listener)");
  receiver.removeListener("conclude", conclude);
  receiver.on("conclude", function (this: unknown, code: unknown, reason: unknown) {
    if ((ws as unknown as WsInternals)._closeFrameSent) {
      // This side closed first, so the frame is the peer's answer: ws's close() now only ends the TCP
      // connection, as RFC 6455 §7.1.1 wants of the server, and must run.
      conclude.call(this, code, reason);
    } else {
      withClose(ws, () => {}, () => conclude.call(this, code, reason));
    }
    onCloseFrame(code as number, String(reason));
  });
}

/** Adds the runtime's reason to ws's 1009 close when an inbound message is over the limit. */
export function addMessageTooLargeReason(ws: WsSocket): void {
  const receiver = receiverOf(ws);
  const [onError] = receiver.listeners("error");
  if (onError === undefined) throw new Error("flarelet: ws internals changed (no receiver 'error' listener)");
  receiver.removeListener("error", onError);
  receiver.on("error", function (this: unknown, error: unknown) {
    if ((error as { code?: string }).code !== "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") return onError.call(this, error);
    // ws has already added this frame to the total when it refuses it (receiver.js, haveLength).
    const frame = receiver._payloadLength;
    const remaining = receiver._maxPayload - (receiver._totalPayloadLength - frame);
    const reason = MESSAGES.messageTooLarge(frame, remaining);
    const close = (ws as unknown as WsInternals).close;
    withClose(ws, (code) => close.call(ws, code, reason), () => onError.call(this, error));
  });
}

/** ws refuses to send close codes 1015–2999 (validation.js `isValidStatusCode`), which workerd allows. */
export function canWsSendCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
}
