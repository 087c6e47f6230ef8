/**
 * What the Durable Objects of one load of the worker share: the worker's exports (the classes), its `env`,
 * realm and compatibility flags, and one `ObjectHost` per object in use. A reload makes a new `LoadedWorker`
 * and drops the old one with every instance in it; storage stays in the plugin's `StorePool`.
 */
import { formatError, type Compatibility, type Log } from "@flarelet/core";
import type { StorageBackend } from "./storage/object-store.js";
import type { CloneRealm } from "./rpc-clone.js";

/** A namespace as configured: the binding, its class, and where its objects' data lives. */
export interface NamespaceConfig {
  readonly binding: string;
  readonly className: string;
  /** "sqlite" for classes in `new_sqlite_classes`. */
  readonly backend: StorageBackend;
  /** The class name its storage and ids belong to: the original name of a renamed class. */
  readonly storageName: string;
  /** workerd's namespace key, from which ids are derived: "<script>-<class>" ("-Counter" for the worker). */
  readonly uniqueKey: string;
}

export class LoadedWorker {
  readonly exports: Readonly<Record<string, unknown>>;
  readonly env: Record<string, unknown>;
  readonly realm: CloneRealm & { readonly ArrayBuffer: ArrayBufferConstructor };
  readonly compatibility: Compatibility;
  readonly log: Log;

  constructor(options: {
    exports: Readonly<Record<string, unknown>>;
    env: Record<string, unknown>;
    globalScope: Record<string, unknown>;
    compatibility: Compatibility;
    log: Log;
  }) {
    this.exports = options.exports;
    this.env = options.env;
    this.realm = options.globalScope as unknown as LoadedWorker["realm"];
    this.compatibility = options.compatibility;
    this.log = options.log;
  }

  /** The class a namespace's objects are instances of in this load. */
  classOf(namespace: NamespaceConfig): new (ctx: unknown, env: unknown) => Record<string, unknown> {
    const Class = this.exports[namespace.className];
    if (typeof Class !== "function") {
      throw new Error(
        `Durable Object binding "${namespace.binding}" refers to class "${namespace.className}", which the worker does not export.`,
      );
    }
    return Class as new (ctx: unknown, env: unknown) => Record<string, unknown>;
  }

  reportError(what: string, error: unknown): void {
    // The plugin's log marks every line [durable-objects].
    this.log.error(`${what}: ${formatError(error)}`);
  }
}
