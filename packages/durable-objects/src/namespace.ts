/**
 * A Durable Object namespace binding (`env.COUNTER`): ids and stubs. Methods and messages as workerd's
 * `DurableObjectNamespace` (src/workerd/api/actor.c++).
 */
import { DurableObjectId, DurableObjectIdFactory } from "./ids.js";
import type { NamespaceConfig } from "./load.js";
import type { ObjectRegistry } from "./registry.js";
import { createStub } from "./stub.js";

export class DurableObjectNamespace {
  readonly #config: NamespaceConfig;
  readonly #registry: ObjectRegistry;
  readonly #ids: DurableObjectIdFactory;
  /** Which namespace made an id (for `Miniflare#getDurableObjectStorage(id)`). */
  readonly #owners: WeakMap<DurableObjectId, NamespaceConfig>;

  constructor(config: NamespaceConfig, registry: ObjectRegistry, owners: WeakMap<DurableObjectId, NamespaceConfig>) {
    this.#config = config;
    this.#registry = registry;
    this.#ids = new DurableObjectIdFactory(config.uniqueKey);
    this.#owners = owners;
  }

  newUniqueId(options?: { jurisdiction?: string }): DurableObjectId {
    return this.#own(this.#ids.newUniqueId(options));
  }

  idFromName(name: string): DurableObjectId {
    return this.#own(this.#ids.idFromName(name));
  }

  idFromString(id: string): DurableObjectId {
    return this.#own(this.#ids.idFromString(id));
  }

  #own(id: DurableObjectId): DurableObjectId {
    this.#owners.set(id, this.#config);
    return id;
  }

  /** A stub for object `id`; the object is constructed when the stub is first used. */
  get(id: DurableObjectId, _options?: object): Record<string, unknown> {
    if (!(id instanceof DurableObjectId)) {
      throw new TypeError("Failed to execute 'get' on 'DurableObjectNamespace': parameter 1 is not of type 'DurableObjectId'.");
    }
    const registry = this.#registry;
    const config = this.#config;
    return createStub({
      id,
      host: () => registry.host(config, id),
      load: () => {
        const load = registry.load;
        if (load === undefined) throw new Error("The worker has not loaded yet.");
        return load;
      },
    });
  }

  /** `get(idFromName(name))`. */
  getByName(name: string, options?: object): Record<string, unknown> {
    return this.get(this.idFromName(name), options);
  }

  /** A sub-namespace restricted to a jurisdiction: not implemented, as in workerd (only none works). */
  jurisdiction(jurisdiction?: string | null): DurableObjectNamespace {
    this.#ids.assertJurisdiction(jurisdiction);
    return this;
  }

  get [Symbol.toStringTag](): string {
    return "DurableObjectNamespace";
  }
}
