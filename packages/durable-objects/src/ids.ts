/**
 * Durable Object ids, made exactly as workerd makes them (src/workerd/server/actor-id-impl.c++), so that
 * the same namespace gives the same ids as local workerd (Miniflare 4) does:
 *
 *     key      = SHA-256(uniqueKey)                 uniqueKey = "<script name>-<class name>", "-Counter"
 *     id[0:16] = HMAC-SHA-256(key, name)[0:16]       idFromName; random bytes for newUniqueId
 *     id[16:]  = HMAC-SHA-256(key, id[0:16])[0:16]   the check that idFromString verifies
 *
 * An id is 32 bytes, written as 64 lowercase hex digits.
 */
import { createHash, createHmac, randomBytes } from "node:crypto";

const BASE_LENGTH = 16;
const JURISDICTION_MESSAGE = "Jurisdiction restrictions are not implemented in workerd.";

export class DurableObjectId {
  readonly #hex: string;
  /** The name for an id from `idFromName()` or `getByName()`; undefined otherwise. */
  readonly name: string | undefined;
  /** Always undefined here: jurisdictions are not implemented (as in workerd). */
  readonly jurisdiction: undefined = undefined;

  constructor(hex: string, name?: string) {
    this.#hex = hex;
    this.name = name;
  }

  toString(): string {
    return this.#hex;
  }

  equals(other: DurableObjectId): boolean {
    return other instanceof DurableObjectId && other.#hex === this.#hex;
  }
}

export class DurableObjectIdFactory {
  readonly #key: Buffer;

  constructor(uniqueKey: string) {
    this.#key = createHash("sha256").update(uniqueKey).digest();
  }

  idFromName(name: string): DurableObjectId {
    const text = String(name);
    const base = createHmac("sha256", this.#key).update(text).digest().subarray(0, BASE_LENGTH);
    return new DurableObjectId(this.#withMac(base).toString("hex"), text);
  }

  idFromString(hex: string): DurableObjectId {
    const text = String(hex);
    if (!/^[0-9a-fA-F]{64}$/.test(text)) throw new TypeError("Invalid Durable Object ID: must be 64 hex digits");
    const bytes = Buffer.from(text, "hex");
    const expected = this.#withMac(bytes.subarray(0, BASE_LENGTH));
    if (!expected.equals(bytes)) throw new TypeError("Durable Object ID is not valid for this namespace.");
    return new DurableObjectId(expected.toString("hex"));
  }

  newUniqueId(options?: { jurisdiction?: string }): DurableObjectId {
    if (options?.jurisdiction !== undefined) throw new Error(JURISDICTION_MESSAGE);
    return new DurableObjectId(this.#withMac(randomBytes(BASE_LENGTH)).toString("hex"));
  }

  /** `jurisdiction(name)`: only "no jurisdiction" is implemented, as in workerd. */
  assertJurisdiction(jurisdiction: unknown): void {
    if (jurisdiction !== undefined && jurisdiction !== null) throw new Error(JURISDICTION_MESSAGE);
  }

  #withMac(base: Uint8Array): Buffer {
    const mac = createHmac("sha256", this.#key).update(base).digest().subarray(0, BASE_LENGTH);
    return Buffer.concat([base, mac]);
  }
}
