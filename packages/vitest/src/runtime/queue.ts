/**
 * `createMessageBatch(queueName, messages)` and `getQueueResult(batch, ctx)`: the first argument of a modules
 * worker's `queue(batch, env, ctx)` for unit tests, and what the handler decided about each message. flarelet
 * has no Queues binding; these need none. Behaviour as workerd's `MessageBatch` (api/queue.h) and as
 * `@cloudflare/vitest-pool-workers`: `ack()`/`retry()` per message, `ackAll()`/`retryAll()` per batch, the
 * first decision wins and a contradicting later call only warns.
 */
import { isExecutionContext, waitOnExecutionContext, type ExecutionContext } from "./execution-context.js";

const kConstruct = Symbol("flarelet.vitest.construct");
/** What a handler decided, read by `getQueueResult`. */
const kDecision = Symbol("flarelet.vitest.decision");

/** A message as a test describes it (workers-types' `ServiceBindingQueueMessage`). */
export interface QueueMessageInit<Body = unknown> {
  id: string;
  timestamp: Date | number;
  body: Body;
  attempts: number;
}

export interface QueueResult {
  outcome: "ok";
  ackAll: boolean;
  retryBatch: { retry: boolean };
  explicitAcks: string[];
  retryMessages: { msgId: string }[];
}

type Decision = "ack" | "retry" | undefined;

export class Message<Body = unknown> {
  declare readonly id: string;
  declare readonly timestamp: Date;
  declare readonly body: Body;
  declare readonly attempts: number;
  readonly #batch: MessageBatch<Body>;
  #decision: Decision;

  constructor(token: typeof kConstruct, batch: MessageBatch<Body>, init: QueueMessageInit<Body>) {
    if (token !== kConstruct) throw new TypeError("Illegal constructor");
    let timestamp: Date;
    if (typeof init.timestamp === "number") timestamp = new Date(init.timestamp);
    else if (init.timestamp instanceof Date) timestamp = new Date(init.timestamp.getTime());
    else throw new TypeError("Incorrect type for the 'timestamp' field on 'ServiceBindingQueueMessage': the provided value is not of type 'date'.");
    if (typeof init.attempts !== "number") {
      throw new TypeError("Incorrect type for the 'attempts' field on 'ServiceBindingQueueMessage': the provided value is not of type 'number'.");
    }
    const id = String(init.id);
    const attempts = init.attempts;
    // A copy, so that the test's object and the handler's cannot change each other.
    const body = structuredClone(init.body);
    this.#batch = batch;
    Object.defineProperties(this, {
      id: { get: () => id, enumerable: true },
      timestamp: { get: () => timestamp, enumerable: true },
      body: { get: () => body, enumerable: true },
      attempts: { get: () => attempts, enumerable: true },
    });
  }

  ack(): void {
    this.#decide("ack");
  }

  retry(): void {
    this.#decide("retry");
  }

  /** What the handler decided for this message alone. */
  get [kDecision](): Decision {
    return this.#decision;
  }

  #decide(decision: "ack" | "retry"): void {
    if (!(this instanceof Message)) throw new TypeError("Illegal invocation");
    const batchDecision = this.#batch[kDecision];
    if (batchDecision === decision) return;
    if (batchDecision !== undefined) {
      console.warn(`Received a call to ${decision}() on message ${this.id} after ${batchDecision}All() was already called. Calling ${decision}() on a message after calling ${batchDecision}All() has no effect.`);
      return;
    }
    if (this.#decision !== undefined && this.#decision !== decision) {
      console.warn(`Received a call to ${decision}() on message ${this.id} after ${this.#decision}() was already called. Calling ${decision}() on a message after calling ${this.#decision}() has no effect.`);
      return;
    }
    this.#decision = decision;
  }
}


export class MessageBatch<Body = unknown> {
  declare readonly queue: string;
  declare readonly messages: readonly Message<Body>[];
  #decision: Decision;

  constructor(token: typeof kConstruct, queue: string, messages: QueueMessageInit<Body>[]) {
    if (token !== kConstruct) throw new TypeError("Illegal constructor");
    const made = messages.map((init) => new Message(kConstruct, this, init));
    Object.defineProperties(this, {
      queue: { get: () => queue, enumerable: true },
      messages: { get: () => made, enumerable: true },
    });
  }

  ackAll(): void {
    this.#decideAll("ack");
  }

  retryAll(): void {
    this.#decideAll("retry");
  }

  get [kDecision](): Decision {
    return this.#decision;
  }

  #decideAll(decision: "ack" | "retry"): void {
    if (!(this instanceof MessageBatch)) throw new TypeError("Illegal invocation");
    if (this.#decision !== undefined && this.#decision !== decision) {
      console.warn(`Received a call to ${decision}All() after ${this.#decision}All() was already called. Calling ${decision}All() after calling ${this.#decision}All() has no effect.`);
      return;
    }
    this.#decision = decision;
  }
}

export function createMessageBatch<Body = unknown>(queueName: string, messages: QueueMessageInit<Body>[]): MessageBatch<Body> {
  if (arguments.length === 0) throw new TypeError("Failed to execute 'createMessageBatch': parameter 1 is not of type 'string'.");
  if (!Array.isArray(messages)) throw new TypeError("Failed to execute 'createMessageBatch': parameter 2 is not of type 'Array'.");
  return new MessageBatch(kConstruct, String(queueName), messages);
}

/** Waits for `ctx`'s `waitUntil()`s, then reports which messages the handler acked or asked to retry. */
export async function getQueueResult(batch: MessageBatch, ctx: ExecutionContext): Promise<QueueResult> {
  if (!(batch instanceof MessageBatch)) {
    throw new TypeError(
      "Failed to execute 'getQueueResult': parameter 1 is not of type 'MessageBatch'.\nYou must call 'createMessageBatch()' to get a 'MessageBatch' instance.",
    );
  }
  if (!isExecutionContext(ctx)) {
    throw new TypeError(
      "Failed to execute 'getQueueResult': parameter 2 is not of type 'ExecutionContext'.\nYou must call 'createExecutionContext()' to get an 'ExecutionContext' instance.",
    );
  }
  await waitOnExecutionContext(ctx);
  return {
    outcome: "ok",
    retryBatch: { retry: batch[kDecision] === "retry" },
    ackAll: batch[kDecision] === "ack",
    retryMessages: batch.messages.filter((message) => message[kDecision] === "retry").map((message) => ({ msgId: message.id })),
    explicitAcks: batch.messages.filter((message) => message[kDecision] === "ack").map((message) => message.id),
  };
}
