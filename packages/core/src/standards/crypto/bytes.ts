/** The bytes of an ArrayBuffer or ArrayBufferView, without copying; a TypeError for anything else. */
export function bufferSourceBytes(data: unknown): Uint8Array {
  if (data instanceof ArrayBuffer || Object.prototype.toString.call(data) === "[object ArrayBuffer]") {
    return new Uint8Array(data as ArrayBuffer);
  }
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError("Failed to execute: parameter is not of type 'ArrayBuffer or ArrayBufferView'.");
}
