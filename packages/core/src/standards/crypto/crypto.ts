/**
 * The worker's `crypto`, one per load: Node's WebCrypto (`getRandomValues`, `randomUUID`, `subtle`) with
 * workerd's additions (`DigestStream`, subtle's `timingSafeEqual` and MD5) and its refusal of randomness at
 * a script's top level. It inherits from Node's `Crypto.prototype`, so `crypto instanceof Crypto` holds.
 */
import type { webcrypto } from "node:crypto";
import { DigestStream } from "./digest-stream.js";

type Crypto = webcrypto.Crypto;
import { createSubtle } from "./subtle.js";

const hostCrypto = globalThis.crypto;
const HostCrypto = (globalThis as unknown as { Crypto: { prototype: object } }).Crypto;

/** workerd's limit and messages (api/crypto/crypto.c++, Crypto::getRandomValues). */
const MAX_RANDOM_BYTES = 65536;
const INTEGER_VIEWS = new Set(["Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array", "BigInt64Array", "BigUint64Array"]);

export function createCrypto(checkAllowed: () => void): Crypto {
  const crypto = Object.create(HostCrypto.prototype) as Record<string, unknown>;
  const subtle = createSubtle(checkAllowed);
  const methods: Record<string, unknown> = {
    getRandomValues<T extends ArrayBufferView | null>(array: T): T {
      checkAllowed();
      const kind = ArrayBuffer.isView(array) ? Object.prototype.toString.call(array).slice(8, -1) : "";
      if (!INTEGER_VIEWS.has(kind)) {
        throw new DOMException("ArrayBufferView argument to getRandomValues() must be an integer-typed view.", "TypeMismatchError");
      }
      const view = array as unknown as ArrayBufferView;
      if (view.byteLength > MAX_RANDOM_BYTES) {
        throw new DOMException(
          `getRandomValues() only accepts buffers of size <= 64K but provided ${view.byteLength} bytes.`,
          "QuotaExceededError",
        );
      }
      return hostCrypto.getRandomValues(view as Uint8Array) as unknown as T;
    },
    randomUUID(): string {
      checkAllowed();
      return hostCrypto.randomUUID();
    },
    subtle,
    DigestStream,
  };
  for (const [name, value] of Object.entries(methods)) {
    Object.defineProperty(crypto, name, { value, writable: true, configurable: true, enumerable: false });
  }
  return crypto as unknown as Crypto;
}
