/**
 * `ctx` of a Durable Object (workerd's `DurableObjectState`): `id`, `storage`, `waitUntil()`,
 * `blockConcurrencyWhile()`. One per incarnation of the object: an object dropped on reload (and, with the
 * Hibernation API, when it hibernates) gets a new one when it is constructed again.
 */
import type { DurableObjectId } from "./ids.js";
import type { InputGate } from "./gate.js";
import type { DurableObjectStorage } from "./storage/storage.js";

export interface StateHooks {
  readonly gate: InputGate;
  /** A `blockConcurrencyWhile()` callback failed: workerd resets the object. */
  reset(error: unknown): void;
  /** A `waitUntil()` promise rejected. */
  reportWaitUntil(error: unknown): void;
}

export class DurableObjectState {
  readonly id: DurableObjectId;
  readonly storage: DurableObjectStorage;
  readonly #hooks: StateHooks;

  constructor(id: DurableObjectId, storage: DurableObjectStorage, hooks: StateHooks) {
    this.id = id;
    this.storage = storage;
    this.#hooks = hooks;
  }

  /** Keeps work going after the event that started it; a rejection is logged. */
  waitUntil(promise: unknown): void {
    Promise.resolve(promise).catch((error: unknown) => this.#hooks.reportWaitUntil(error));
  }

  /**
   * Runs `callback` with no other event delivered to the object until its promise settles (workerd: the
   * input gate stays closed). If it rejects, the error is thrown here and the object is reset: the next
   * event constructs it again.
   */
  async blockConcurrencyWhile<T>(callback: () => T | Promise<T>): Promise<Awaited<T>> {
    const release = this.#hooks.gate.lock();
    try {
      return await callback();
    } catch (error) {
      this.#hooks.reset(error);
      throw error;
    } finally {
      release();
    }
  }
}
