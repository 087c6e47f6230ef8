/**
 * One Durable Object in one load of the worker: its storage, its input gate, its hibernatable WebSockets,
 * and its incarnation, the instance of the worker's class with its `ctx`. Every event (a `fetch`, an RPC
 * call, an alarm, a WebSocket message) goes through `deliver`, which waits for the input gate and
 * constructs the instance on first use.
 *
 * The incarnation can be dropped while the host stays: a failed `blockConcurrencyWhile()` resets the object
 * this way, and an idle object hibernates this way (hibernation/idle.ts): its hibernatable sockets, held by
 * the host, stay open, and the next event constructs the class again with a new `ctx`.
 *
 *     host (per id, per load) ── gate, store, sockets (hibernation/sockets.ts), idle countdown
 *       └─ incarnation ── instance of the class, ctx (DurableObjectState)     dropped on reset/hibernation
 */
import { DurableObject, runInRequestContext } from "@flarelet/core";
import type { AlarmInfo, AlarmTarget } from "./alarms.js";
import { InputGate } from "./gate.js";
import { deliverSocketEvent } from "./hibernation/events.js";
import { IdleTracker } from "./hibernation/idle.js";
import { HibernatableSockets } from "./hibernation/sockets.js";
import type { DurableObjectId } from "./ids.js";
import { DurableObjectState } from "./state.js";
import type { ObjectStore } from "./storage/object-store.js";
import { DurableObjectStorage } from "./storage/storage.js";
import type { LoadedWorker, NamespaceConfig } from "./load.js";

type Instance = Record<string, unknown>;

/** What an eviction does to the object's hibernatable WebSockets (workerd's `EvictWebSocketMode`). */
export type EvictWebSockets = "hibernate" | "close";

interface Incarnation {
  instance: Instance;
  readonly state: DurableObjectState;
}

export interface ObjectHostOptions {
  id: DurableObjectId;
  namespace: NamespaceConfig;
  store: ObjectStore;
  load: LoadedWorker;
  alarmChanged: (time: number | undefined) => void;
  /** How long the object stays in memory once idle (`durableObjectsHibernateAfter`). */
  hibernateAfter: number;
}

export class ObjectHost implements AlarmTarget {
  readonly id: DurableObjectId;
  readonly namespace: NamespaceConfig;
  readonly store: ObjectStore;
  readonly gate = new InputGate();
  readonly load: LoadedWorker;
  readonly #alarmChanged: (time: number | undefined) => void;
  readonly #idle: IdleTracker;
  #sockets: HibernatableSockets;
  #incarnation: Incarnation | undefined;
  /** The instance was dropped while idle: the next construction is a wake-up (logged with --debug). */
  #hibernated = false;
  /** Events being delivered now (waiting for the gate or running), and who waits for there to be none. */
  #eventsInFlight = 0;
  #settledWaiters: (() => void)[] = [];

  constructor(options: ObjectHostOptions) {
    this.id = options.id;
    this.namespace = options.namespace;
    this.store = options.store;
    this.load = options.load;
    this.#alarmChanged = options.alarmChanged;
    this.#idle = new IdleTracker(options.hibernateAfter, () => this.hibernate());
    this.#sockets = this.#newSockets();
  }

  /** The class of this load, and whether it extends `DurableObject` (RPC needs it). */
  get objectClass(): { Class: new (ctx: unknown, env: unknown) => Instance; rpc: boolean } {
    const Class = this.load.classOf(this.namespace);
    return { Class, rpc: DurableObject.prototype.isPrototypeOf(Class.prototype) };
  }

  /** The object's hibernatable WebSockets. */
  get sockets(): HibernatableSockets {
    return this.#sockets;
  }

  /** Who this object is, for log lines: "Room 3f2a…9c1b". */
  get label(): string {
    const hex = this.id.toString();
    return `${this.namespace.className} ${hex.slice(0, 8)}…${hex.slice(-4)}`;
  }

  /**
   * Delivers an event (`what` names it in log lines): after the input gate opens, to the instance,
   * constructed if need be. The object counts as busy until the event's promise settles.
   */
  async deliver<T>(event: (instance: Instance, state: DurableObjectState) => T | Promise<T>, what: string): Promise<Awaited<T>> {
    const release = this.#idle.hold();
    this.#eventsInFlight++;
    try {
      const incarnation = await this.gate.whenOpen(() => this.#incarnation ?? this.#construct(what));
      // A constructor that called blockConcurrencyWhile() holds its first event back until it is done.
      return await this.gate.whenOpen(() => {
        if (this.#incarnation !== incarnation) {
          // The constructor's blockConcurrencyWhile() failed and reset the object: this event fails with it.
          throw this.#resetError ?? new Error("The Durable Object was reset.");
        }
        const context = {
          env: this.load.env,
          waitUntil: (promise: Promise<unknown>) => incarnation.state.waitUntil(promise),
          keepAlive: () => this.#idle.hold(),
        };
        return runInRequestContext(context, () => event(incarnation.instance, incarnation.state));
      });
    } finally {
      release();
      if (--this.#eventsInFlight === 0) for (const resolve of this.#settledWaiters.splice(0)) resolve();
    }
  }

  /** Whether an event is being delivered to the object now (unlike `idle`, timers and sockets do not count). */
  get busy(): boolean {
    return this.#eventsInFlight > 0;
  }

  /** Resolves once no event is being delivered to the object (at once if none is). */
  eventsSettled(): Promise<void> {
    if (this.#eventsInFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#settledWaiters.push(resolve));
  }

  /** Forgets the instance (the object is constructed again by its next event); storage, gate and sockets stay. */
  drop(): void {
    this.#incarnation = undefined;
  }

  /** Whether an instance of the class is alive now. */
  get constructed(): boolean {
    return this.#incarnation !== undefined;
  }

  /** Nothing is in flight and nothing holds the object (hibernation/idle.ts). */
  get idle(): boolean {
    return this.#idle.idle;
  }

  /**
   * Drops the instance if the object is idle, keeping its hibernatable sockets open; whether it did. Its
   * next event constructs the class again, as after workerd's hibernation.
   */
  hibernate(): boolean {
    if (!this.#idle.idle) return false;
    return this.evict();
  }

  /**
   * Drops the instance whatever holds it (`evictDurableObject()` of `cloudflare:test`), as hibernation does:
   * its hibernatable sockets stay open and get new WebSocket objects, or, with `webSockets: "close"`, are
   * dropped (the client sees 1006, as when workerd discards an evicted object's hibernation manager). False
   * if no instance was alive.
   */
  evict(webSockets: EvictWebSockets = "hibernate"): boolean {
    if (this.#incarnation === undefined) return false;
    this.drop();
    this.#hibernated = true;
    if (webSockets === "close") {
      this.#sockets.close();
      this.#sockets = this.#newSockets();
    } else {
      this.#sockets.hibernate();
    }
    const sockets = this.#sockets.size;
    this.load.log.debug(
      sockets === 0
        ? `Durable Object ${this.label} left memory (idle)`
        : `Durable Object ${this.label} hibernated; ${sockets} WebSocket${sockets === 1 ? "" : "s"} stay${sockets === 1 ? "s" : ""} open`,
    );
    return true;
  }

  /**
   * Resets the object after a hibernatable socket's handler ran past its event timeout, as workerd does:
   * the instance is dropped and its hibernatable connections with it; the next event starts afresh.
   */
  resetAfterTimeout(): void {
    this.drop();
    this.#sockets.close();
    this.#sockets = this.#newSockets();
  }

  /** The host is gone (reload, dispose): no more hibernation countdown. */
  close(): void {
    this.#idle.close();
    this.drop();
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
    }, "alarm");
  }

  #resetError: unknown;

  /** The object's `ctx.storage` (also what `Miniflare#getDurableObjectStorage()` returns). */
  get storage(): DurableObjectStorage {
    this.#storage ??= new DurableObjectStorage(
      {
        store: this.store,
        gate: this.gate,
        deleteAllDeletesAlarm: this.load.compatibility.isEnabled("delete_all_deletes_alarm"),
        assertCanSetAlarm: () => {
          const { Class } = this.objectClass;
          // The handler is on the class: workerd allows setAlarm() in the constructor too (worker.c++).
          if (typeof (Class.prototype as Instance).alarm !== "function" && typeof this.#incarnation?.instance.alarm !== "function") {
            throw new TypeError("Your Durable Object class must have an alarm() handler in order to call setAlarm()");
          }
        },
        alarmChanged: this.#alarmChanged,
      },
      { ArrayBuffer: this.load.realm.ArrayBuffer, Object: this.load.realm.Object, Array: this.load.realm.Array },
    );
    return this.#storage;
  }

  #storage: DurableObjectStorage | undefined;

  #newSockets(): HibernatableSockets {
    return new HibernatableSockets((record, event) => deliverSocketEvent(this, record, event));
  }

  #construct(what: string): Incarnation {
    const { Class } = this.objectClass;
    const storage = this.storage;
    const state = new DurableObjectState(this.id, storage, {
      gate: this.gate,
      sockets: this.#sockets,
      realm: this.load.realm,
      reset: (error) => {
        this.#resetError = error;
        this.drop();
      },
      waitUntil: (promise) => {
        this.#idle.holdUntil(promise);
        promise.catch((error: unknown) => this.load.reportError("Uncaught (in waitUntil promise)", error));
      },
    });
    this.#resetError = undefined;
    if (this.#hibernated) {
      this.#hibernated = false;
      this.load.log.debug(`Durable Object ${this.label} woke up for ${what}: constructed again`);
    }
    // Registered before the constructor runs, so that a reset from inside it (blockConcurrencyWhile) counts.
    const incarnation: Incarnation = { instance: {}, state };
    this.#incarnation = incarnation;
    try {
      incarnation.instance = new Class(state, this.load.env);
    } catch (error) {
      // workerd fails the event with the constructor's error and tries again on the next one.
      if (this.#incarnation === incarnation) this.#incarnation = undefined;
      throw error;
    }
    return incarnation;
  }
}
