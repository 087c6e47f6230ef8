/**
 * `crypto.DigestStream`: workerd's WritableStream that hashes what is written to it; `digest` resolves to
 * the hash (an ArrayBuffer) once the stream is closed (api/crypto/crypto.h, DigestStream).
 */
import { createHash, type Hash } from "node:crypto";
import { bufferSourceBytes } from "./bytes.js";

const ALGORITHMS = new Map([
  ["sha-1", "sha1"],
  ["sha-256", "sha256"],
  ["sha-384", "sha384"],
  ["sha-512", "sha512"],
  ["md5", "md5"],
]);

export class DigestStream extends WritableStream<ArrayBuffer | ArrayBufferView> {
  readonly digest: Promise<ArrayBuffer>;

  constructor(algorithm: string | { name: string }) {
    const name = typeof algorithm === "string" ? algorithm : algorithm?.name;
    const nodeName = ALGORITHMS.get(String(name).toLowerCase());
    if (nodeName === undefined) {
      throw new DOMException("Unrecognized or unimplemented digest algorithm requested.", "NotSupportedError");
    }
    const hash: Hash = createHash(nodeName);
    let resolve!: (value: ArrayBuffer) => void;
    let reject!: (reason: unknown) => void;
    const digest = new Promise<ArrayBuffer>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    digest.catch(() => {}); // an aborted stream's digest rejects; nobody has to be listening
    super({
      write(chunk) {
        hash.update(bufferSourceBytes(chunk));
      },
      close() {
        const bytes = hash.digest();
        resolve(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      },
      abort(reason) {
        reject(reason);
      },
    });
    this.digest = digest;
  }
}
