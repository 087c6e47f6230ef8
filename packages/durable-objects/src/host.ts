/**
 * One Durable Object in one load of the worker: its storage, its input gate, and its incarnation, the
 * instance of the worker's class with its `ctx`. Every event (a `fetch`, an RPC call, an alarm) goes through
 * `deliver`, which waits for the input gate and constructs the instance on first use.
 *
 * The incarnation can be dropped while the host stays (`drop()`): a failed `blockConcurrencyWhile()` resets
 * the object this way, and the Hibernation API (issue 15) will evict idle objects the same way while their
 * sockets, held by the host, stay open; the next event constructs the class again with a new `ctx`.
 *
 *     host (per id, per load) ── gate, store, [hibernatable sockets]
 *       └─ incarnation ── instance of the class, ctx (DurableObjectState)     dropped on reset/hibernation
 */
import { DurableObject, runInRequestContext } from "@flarelet/core";
import type { AlarmInfo, AlarmTarget } from "./alarms.js";
import { InputGate } from "./gate.js";
import type { DurableObjectId } from "./ids.js";
import { DurableObjectState } from "./state.js";
import type { ObjectStore } from "./storage/object-store.js";
import { DurableObjectStorage } from "./storage/storage.js";
import type { LoadedWorker, NamespaceConfig } from "./load.js";

type Instance = Record<string, unknown>;

interface Incarnation {
  instance: Instance;
  readonly state: DurableObjectState;
}

export class ObjectHost implements AlarmTarget {
  readonly id: DurableObjectId;
  readonly namespace: NamespaceConfig;
  readonly store: ObjectStore;
  readonly gate = new InputGate();
  readonly #load: LoadedWorker;
  readonly #alarmChanged: (time: number | undefined) => void;
  #incarnation: Incarnation | undefined;

  constructor(options: {
    id: DurableObjectId;
    namespace: NamespaceConfig;
    store: ObjectStore;
    load: LoadedWorker;
    alarmChanged: (time: number | undefined) => void;
  }) {
    this.id = options.id;
    this.namespace = options.namespace;
    this.store = options.store;
    this.#load = options.load;
    this.#alarmChanged = options.alarmChanged;
  }

  /** The class of this load, and whether it extends `DurableObject` (RPC needs it). */
  get objectClass(): { Class: new (ctx: unknown, env: unknown) => Instance; rpc: boolean } {
    const Class = this.#load.classOf(this.namespace);
    return { Class, rpc: DurableObject.prototype.isPrototypeOf(Class.prototype) };
  }

  /** Delivers an event: after the input gate opens, to the (constructed if need be) instance. */
  async deliver<T>(event: (instance: Instance, state: DurableObjectState) => T | Promise<T>): Promise<Awaited<T>> {
    const incarnation = await this.gate.whenOpen(() => this.#incarnation ?? this.#construct());
    // A constructor that called blockConcurrencyWhile() holds its first event back until it is done.
    return await this.gate.whenOpen(() => {
      if (this.#incarnation !== incarnation) {
        // The constructor's blockConcurrencyWhile() failed and reset the object: this event fails with it.
        throw this.#resetError ?? new Error("The Durable Object was reset.");
      }
      const context = { env: this.#load.env, waitUntil: (promise: Promise<unknown>) => incarnation.state.waitUntil(promise) };
      return runInRequestContext(context, () => event(incarnation.instance, incarnation.state));
    });
  }

  /** Forgets the instance (the object is constructed again by its next event); storage and gate stay. */
  drop(): void {
    this.#incarnation = undefined;
  }

  /** Whether an instance of the class is alive now. */
  get constructed(): boolean {
    return this.#incarnation !== undefined;
  }

  // AlarmTarget

  storedAlarm(): number | undefined {
    return this.store.alarm.get();
  }

  clearAlarm(time: number): void {
    if (this.store.alarm.get() === time) this.store.alarm.set(undefined);
  }

  async runAlarm(info: AlarmInfo): Promise<void> {
    await this.deliver(async (instance) => {
      if (typeof instance.alarm !== "function") return;
      await (instance.alarm as (info: AlarmInfo) => unknown).call(instance, info);
    });
  }

  #resetError: unknown;

  /** The object's `ctx.storage` (also what `Miniflare#getDurableObjectStorage()` returns). */
  get storage(): DurableObjectStorage {
    this.#storage ??= new DurableObjectStorage(
      {
        store: this.store,
        gate: this.gate,
        deleteAllDeletesAlarm: this.#load.compatibility.isEnabled("delete_all_deletes_alarm"),
        assertCanSetAlarm: () => {
          const { Class } = this.objectClass;
          // The handler is on the class: workerd allows setAlarm() in the constructor too (worker.c++).
          if (typeof (Class.prototype as Instance).alarm !== "function" && typeof this.#incarnation?.instance.alarm !== "function") {
            throw new TypeError("Your Durable Object class must have an alarm() handler in order to call setAlarm()");
          }
        },
        alarmChanged: this.#alarmChanged,
      },
      { ArrayBuffer: this.#load.realm.ArrayBuffer, Object: this.#load.realm.Object, Array: this.#load.realm.Array },
    );
    return this.#storage;
  }

  #storage: DurableObjectStorage | undefined;

  #construct(): Incarnation {
    const { Class } = this.objectClass;
    const storage = this.storage;
    const state = new DurableObjectState(this.id, storage, {
      gate: this.gate,
      reset: (error) => {
        this.#resetError = error;
        this.drop();
      },
      reportWaitUntil: (error) => this.#load.reportError("Uncaught (in waitUntil promise)", error),
    });
    this.#resetError = undefined;
    // Registered before the constructor runs, so that a reset from inside it (blockConcurrencyWhile) counts.
    const incarnation: Incarnation = { instance: {}, state };
    this.#incarnation = incarnation;
    try {
      incarnation.instance = new Class(state, this.#load.env);
    } catch (error) {
      // workerd fails the event with the constructor's error and tries again on the next one.
      if (this.#incarnation === incarnation) this.#incarnation = undefined;
      throw error;
    }
    return incarnation;
  }
}
