/**
 * Every object's store, opened on first use and kept for the life of the plugin: reloads drop instances,
 * not storage. In memory by default (one SQLite `:memory:` database per object); with a persistence folder,
 * one SQLite file per object, `<folder>/<class>/<id>.sqlite`, written through at every operation with
 * SQLite's rollback journal and `synchronous = FULL`, so that a write acknowledged to the worker survives
 * the process being killed.
 */
import { mkdirSync, readdirSync } from "node:fs";
import path from "node:path";
import { openSqlite } from "../sqlite/driver.js";
import { ObjectStore, type StorageBackend } from "./object-store.js";

export class StorePool {
  readonly #folder: string | undefined;
  readonly #stores = new Map<string, ObjectStore>();

  /** `folder`: where to persist, or undefined to keep everything in memory. */
  constructor(folder: string | undefined) {
    this.#folder = folder;
  }

  get folder(): string | undefined {
    return this.#folder;
  }

  /** The store of object `id` of the namespace stored under `storageName`, opened if needed. */
  open(storageName: string, id: string, backend: StorageBackend): ObjectStore {
    const key = `${storageName}/${id}`;
    let store = this.#stores.get(key);
    if (store === undefined) {
      let file = ":memory:";
      if (this.#folder !== undefined) {
        const folder = path.join(this.#folder, storageName);
        mkdirSync(folder, { recursive: true });
        file = path.join(folder, `${id}.sqlite`);
      }
      const connection = openSqlite(file);
      connection.exec("PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL");
      store = new ObjectStore(connection, backend);
      this.#stores.set(key, store);
    }
    return store;
  }

  /** Ids of the namespace's objects that have storage (open now, or on disk). */
  ids(storageName: string): string[] {
    const ids = new Set<string>();
    for (const key of this.#stores.keys()) {
      const [name, id] = key.split("/") as [string, string];
      if (name === storageName) ids.add(id);
    }
    if (this.#folder !== undefined) {
      try {
        for (const file of readdirSync(path.join(this.#folder, storageName))) {
          if (/^[0-9a-f]{64}\.sqlite$/.test(file)) ids.add(file.slice(0, 64));
        }
      } catch {
        // No folder yet: nothing stored.
      }
    }
    return [...ids].sort();
  }

  /** Closes every store (in memory, their data is gone). */
  close(): void {
    for (const store of this.#stores.values()) store.close();
    this.#stores.clear();
  }
}
