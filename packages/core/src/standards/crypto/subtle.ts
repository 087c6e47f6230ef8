/**
 * The worker's `crypto.subtle`: Node's WebCrypto with what workerd adds and says differently.
 * - `digest("MD5", …)`: workerd supports MD5 (for legacy protocols); Node's WebCrypto does not, node:crypto does.
 * - `timingSafeEqual(a, b)`: workerd's non-standard constant-time comparison (api/crypto/crypto.h).
 * - workerd's messages for an unknown digest and an unknown key format (api/crypto/crypto.c++).
 * - `generateKey` is refused at a script's top level (randomness), see sandbox/top-level-guard.ts.
 *
 * Node's methods check that `this` is its own SubtleCrypto, so each is bound to Node's instance; the object
 * inherits from `SubtleCrypto.prototype`, so `instanceof SubtleCrypto` and its toString tag still hold.
 */
import { createHash, timingSafeEqual as nodeTimingSafeEqual, type webcrypto } from "node:crypto";

type SubtleCrypto = webcrypto.SubtleCrypto;
type BufferSource = ArrayBuffer | ArrayBufferView;
import { bufferSourceBytes } from "./bytes.js";

const hostSubtle = globalThis.crypto.subtle;
const HostSubtleCrypto = (globalThis as unknown as { SubtleCrypto: { prototype: object } }).SubtleCrypto;

const DIGESTS_NODE_LACKS = new Map([["md5", "md5"]]);
const KEY_FORMATS = new Set(["raw", "pkcs8", "spki", "jwk"]);

export function createSubtle(checkAllowed: () => void): SubtleCrypto {
  const subtle = Object.create(HostSubtleCrypto.prototype) as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(HostSubtleCrypto.prototype)) {
    const value = (hostSubtle as unknown as Record<string, unknown>)[name];
    if (name === "constructor" || typeof value !== "function") continue;
    define(subtle, name, (value as (...args: unknown[]) => unknown).bind(hostSubtle));
  }
  define(subtle, "digest", async (algorithm: string | { name: string }, data: BufferSource) => {
    const name = typeof algorithm === "string" ? algorithm : algorithm?.name;
    const nodeName = DIGESTS_NODE_LACKS.get(String(name).toLowerCase());
    if (nodeName !== undefined) {
      const digest = createHash(nodeName).update(bufferSourceBytes(data)).digest();
      return digest.buffer.slice(digest.byteOffset, digest.byteOffset + digest.byteLength);
    }
    try {
      return await hostSubtle.digest(algorithm, data as Uint8Array);
    } catch (error) {
      if ((error as Error)?.name === "NotSupportedError") {
        throw new DOMException("Unrecognized or unimplemented digest algorithm requested.", "NotSupportedError");
      }
      throw error;
    }
  });
  define(subtle, "importKey", async (format: string, ...rest: unknown[]) => {
    if (!KEY_FORMATS.has(format)) {
      throw new DOMException(`Unrecognized key import format "${format}".`, "NotSupportedError");
    }
    return (hostSubtle.importKey as (...args: unknown[]) => Promise<webcrypto.CryptoKey>)(format, ...rest);
  });
  const generateKey = hostSubtle.generateKey.bind(hostSubtle) as (...args: unknown[]) => unknown;
  define(subtle, "generateKey", (...args: unknown[]) => {
    checkAllowed();
    return generateKey(...args);
  });
  define(subtle, "timingSafeEqual", (a: BufferSource, b: BufferSource) => {
    const left = bufferSourceBytes(a);
    const right = bufferSourceBytes(b);
    if (left.byteLength !== right.byteLength) throw new TypeError("Input buffers must have the same byte length.");
    return nodeTimingSafeEqual(left, right);
  });
  return subtle as unknown as SubtleCrypto;
}

function define(target: object, name: string, value: unknown): void {
  Object.defineProperty(target, name, { value, writable: true, configurable: true, enumerable: false });
}
