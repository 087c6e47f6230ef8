/**
 * The key-value API's limits and messages, word for word from workerd (src/workerd/io/actor-storage.c++,
 * `ActorStorageLimits`). They are production's limits for objects on the key-value storage backend
 * (`new_classes`); workerd enforces them where it runs that backend, and local workerd (Miniflare 4),
 * which stores every object in SQLite, does not: flarelet does, so that a worker that would fail in
 * production fails here too (docs/departures.md).
 */
export const MAX_KEY_SIZE = 2048;
/** 128 KiB advertised; workerd lets 34 bytes of serialization overhead through. */
export const ADVERTISED_MAX_VALUE_SIZE = 128 * 1024;
export const ENFORCED_MAX_VALUE_SIZE = ADVERTISED_MAX_VALUE_SIZE + 34;
/** Keys per get/put/delete call (workerd's `rpc::ActorStorage::MAX_KEYS`). */
export const MAX_KEYS = 128;

export function checkMaxKeySize(keyBytes: number): void {
  if (keyBytes > MAX_KEY_SIZE) {
    throw new RangeError(`Keys cannot be larger than ${MAX_KEY_SIZE} bytes. A key of size ${keyBytes} was provided.`);
  }
}

export function checkMaxValueSize(valueBytes: number): void {
  if (valueBytes > ENFORCED_MAX_VALUE_SIZE) {
    throw new RangeError(
      `Values cannot be larger than ${ADVERTISED_MAX_VALUE_SIZE} bytes. A value of size ${valueBytes} was provided.`,
    );
  }
}

export function checkMaxPairsCount(count: number): void {
  if (count > MAX_KEYS) {
    throw new RangeError(`Maximum number of key value pairs is ${MAX_KEYS}. ${count} pairs were provided.`);
  }
}
