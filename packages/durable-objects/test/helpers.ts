import { InputGate } from "../src/gate.js";
import type { StorageBackend } from "../src/storage/object-store.js";
import { DurableObjectStorage } from "../src/storage/storage.js";
import { StorePool } from "../src/storage/store-pool.js";

/** A `ctx.storage` over a fresh in-memory store, with the alarm changes it reports. */
export function makeStorage(backend: StorageBackend, options: { pool?: StorePool; id?: string; alarmHandler?: boolean } = {}) {
  const pool = options.pool ?? new StorePool(undefined);
  const store = pool.open("Test", options.id ?? "0".repeat(64), backend);
  const alarms: (number | undefined)[] = [];
  const gate = new InputGate();
  const storage = new DurableObjectStorage(
    {
      store,
      gate,
      deleteAllDeletesAlarm: true,
      assertCanSetAlarm() {
        if (options.alarmHandler === false) {
          throw new TypeError("Your Durable Object class must have an alarm() handler in order to call setAlarm()");
        }
      },
      alarmChanged: (time) => alarms.push(time),
    },
    { ArrayBuffer, Object, Array },
  );
  return { storage, store, pool, gate, alarms };
}
