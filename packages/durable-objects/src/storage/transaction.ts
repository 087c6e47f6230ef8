/**
 * `storage.transaction(async (txn) => …)`'s `txn`: the same operations as `ctx.storage`, inside a SQLite
 * savepoint that commits when the closure's promise resolves and rolls back when it rejects or when
 * `txn.rollback()` was called. Messages are workerd's (src/workerd/api/actor-state.c++).
 */
import { StorageOperations, type StorageEnvironment } from "./operations.js";

export class DurableObjectTransaction extends StorageOperations {
  #rolledBack = false;
  #over = false;
  readonly #rollback: () => void;

  constructor(env: StorageEnvironment, rollback: () => void) {
    super(env);
    this.#rollback = rollback;
  }

  get rolledBack(): boolean {
    return this.#rolledBack;
  }

  /** Undoes every write of this transaction; later operations on `txn` throw. Calling it twice is fine. */
  rollback(): void {
    if (this.#rolledBack) return;
    this.check("rollback()");
    this.#rolledBack = true;
    this.#rollback();
  }

  deleteAll(): never {
    throw new Error("Cannot call deleteAll() within a transaction");
  }

  /** The closure returned or threw: `txn` may not be used any more. */
  end(): void {
    this.#over = true;
  }

  protected check(op: string): void {
    if (this.#rolledBack) throw new Error(`Cannot ${op} on rolled back transaction`);
    if (this.#over) {
      throw new Error(`Cannot call ${op} on transaction that has already committed: did you move \`txn\` outside of the closure?`);
    }
  }
}
