/**
 * `ws.serializeAttachment(value)` / `ws.deserializeAttachment()`: a value kept with the socket, structured
 * clone in and out (workerd: V8 serialisation, at most 16 KiB once serialised; api/web-socket.c++). The
 * hibernation API keeps attachments across an object's eviction; without it they simply live with the socket.
 */
import { deserialize, serialize } from "node:v8";
import { MESSAGES } from "./messages.js";

/** workerd's MAX_ATTACHMENT_SIZE. */
export const MAX_ATTACHMENT_SIZE = 16 * 1024;

const attachments = new WeakMap<object, Buffer>();

export function serializeAttachment(socket: object, value: unknown): void {
  // structuredClone first: it refuses what cannot be cloned with the DOM's DataCloneError, as workerd does.
  structuredClone(value);
  const bytes = serialize(value);
  if (bytes.byteLength > MAX_ATTACHMENT_SIZE) throw new Error(MESSAGES.attachmentTooLarge(bytes.byteLength));
  attachments.set(socket, bytes);
}

/** The attachment, a fresh copy each time; null if there is none. */
export function deserializeAttachment(socket: object): unknown {
  const bytes = attachments.get(socket);
  return bytes === undefined ? null : deserialize(bytes);
}
