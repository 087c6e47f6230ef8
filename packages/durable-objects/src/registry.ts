/**
 * The plugin's state for the life of a `MiniflareCore`: the namespaces, every object's storage (StorePool),
 * the alarm scheduler, and the current load with its live objects. Reload swaps the load: every instance of
 * the old one is dropped (its WebSockets are closed with 1012 by the web-sockets plugin, which tracks them
 * per load), storage and alarms stay.
 */
import { AlarmScheduler } from "./alarms.js";
import { ObjectHost } from "./host.js";
import { DurableObjectId } from "./ids.js";
import type { LoadedWorker, NamespaceConfig } from "./load.js";
import type { StorePool } from "./storage/store-pool.js";

export class ObjectRegistry {
  readonly pool: StorePool;
  readonly namespaces: ReadonlyMap<string, NamespaceConfig>;
  /** `durableObjectsHibernateAfter`: how long an idle object stays in memory. */
  readonly hibernateAfter: number;
  readonly #alarms: AlarmScheduler;
  #load: LoadedWorker | undefined;
  #hosts = new Map<string, ObjectHost>();
  #alarmsRestored = false;

  constructor(pool: StorePool, namespaces: readonly NamespaceConfig[], hibernateAfter: number) {
    this.pool = pool;
    this.hibernateAfter = hibernateAfter;
    this.namespaces = new Map(namespaces.map((namespace) => [namespace.binding, namespace]));
    this.#alarms = new AlarmScheduler(
      (key) => this.#hostForKey(key),
      (key, error, willRetry) =>
        this.#load?.reportError(`alarm() of ${key} threw${willRetry ? "; it will be retried" : "; no retries left"}`, error),
    );
  }

  get load(): LoadedWorker | undefined {
    return this.#load;
  }

  /** The new load takes over: instances of the previous one are dropped. */
  attach(load: LoadedWorker): void {
    for (const namespace of this.namespaces.values()) load.classOf(namespace);
    for (const host of this.#hosts.values()) host.close();
    this.#hosts = new Map();
    this.#load = load;
    if (!this.#alarmsRestored) {
      this.#alarmsRestored = true;
      this.#restoreAlarms();
    }
  }

  /** The host of object `id` in namespace `namespace` in the current load. */
  host(namespace: NamespaceConfig, id: DurableObjectId): ObjectHost {
    const load = this.#load;
    if (load === undefined) throw new Error("The worker has not loaded yet.");
    const key = objectKey(namespace, id.toString());
    let host = this.#hosts.get(key);
    if (host === undefined) {
      host = new ObjectHost({
        id,
        namespace,
        store: this.pool.open(namespace.storageName, id.toString(), namespace.backend),
        load,
        alarmChanged: (time) => this.#alarms.schedule(key, time),
        hibernateAfter: this.hibernateAfter,
      });
      this.#hosts.set(key, host);
    }
    return host;
  }

  /** Hosts of the current load (objects in use, in memory or hibernated). */
  get hosts(): readonly ObjectHost[] {
    return [...this.#hosts.values()];
  }

  /** The host of object `id` of `namespace` if it is in use in the current load (none is made). */
  existingHost(namespace: NamespaceConfig, id: DurableObjectId): ObjectHost | undefined {
    return this.#hosts.get(objectKey(namespace, id.toString()));
  }

  close(): void {
    this.#alarms.close();
    for (const host of this.#hosts.values()) host.close();
    this.#hosts.clear();
    this.#load = undefined;
    this.pool.close();
  }

  #hostForKey(key: string): ObjectHost | undefined {
    const [storageName, hex] = key.split("/") as [string, string];
    const namespace = [...this.namespaces.values()].find((candidate) => candidate.storageName === storageName);
    if (namespace === undefined || this.#load === undefined) return undefined;
    return this.host(namespace, new DurableObjectId(hex));
  }

  /** Alarms stored before this process started (persisted storage) are scheduled again. */
  #restoreAlarms(): void {
    for (const namespace of this.namespaces.values()) {
      for (const id of this.pool.ids(namespace.storageName)) {
        const time = this.pool.open(namespace.storageName, id, namespace.backend).alarm.get();
        if (time !== undefined) this.#alarms.schedule(objectKey(namespace, id), time);
      }
    }
  }
}

/** Objects are keyed by class (its storage name), not binding: two bindings of one class share objects. */
function objectKey(namespace: NamespaceConfig, id: string): string {
  return `${namespace.storageName}/${id}`;
}
