import { EventTarget } from "../standards/event-target.js";
import { fetch } from "../standards/fetch.js";
import { FetchEvent, PromiseRejectionEvent } from "../standards/events.js";
import { Request } from "../standards/request.js";
import { Response } from "../standards/response.js";
import { FixedLengthStream, IdentityTransformStream } from "../standards/byte-streams.js";
import { installHeadersGetAll } from "../standards/headers.js";
import { ErrorEvent, ExtendableEvent, ScheduledEvent, ServiceWorkerGlobalScope, WorkerGlobalScope } from "../standards/more-events.js";
import { Navigator, performance } from "../standards/navigator.js";

/**
 * Host classes and functions the Workers runtime offers, taken from Node itself. Request, Response, Headers,
 * fetch, FormData, Blob and File are all Node's own (its bundled undici plus node:buffer), one family, never
 * mixed with the undici npm package: a Request of one family is not a Request to the other's fetch.
 * (The npm package would also cost ~100 ms of start-up; Node's copy loads from its snapshot.)
 */
const HOST_GLOBALS = [
  "Headers",
  "FormData",
  "Blob",
  "File",
  "URL",
  "URLSearchParams",
  "TextEncoder",
  "TextDecoder",
  "TextEncoderStream",
  "TextDecoderStream",
  "ReadableStream",
  "ReadableStreamDefaultReader",
  "ReadableStreamBYOBReader",
  "ReadableStreamBYOBRequest",
  "ReadableByteStreamController",
  "ReadableStreamDefaultController",
  "TransformStream",
  "TransformStreamDefaultController",
  "WritableStream",
  "WritableStreamDefaultWriter",
  "WritableStreamDefaultController",
  "ByteLengthQueuingStrategy",
  "CountQueuingStrategy",
  "CompressionStream",
  "DecompressionStream",
  "Event",
  "DOMException",
  "atob",
  "btoa",
  "structuredClone",
  "crypto",
  "Crypto",
  "CryptoKey",
  "SubtleCrypto",
  "CustomEvent",
  "MessageChannel",
  "MessagePort",
  "console",
] as const;


/** The globals core contributes (as the built-in "core" plugin), shared by every load. */
export function createStandardGlobals(): Record<string, unknown> {
  const host = globalThis as unknown as Record<string, unknown>;
  const globals: Record<string, unknown> = {};
  for (const name of HOST_GLOBALS) globals[name] = host[name];
  installHeadersGetAll();
  Object.assign(globals, {
    Request, Response, fetch, FetchEvent, PromiseRejectionEvent, EventTarget,
    // workerd's additions and the classes of its globals (navigator and crypto are made per load).
    navigator: undefined, Navigator, performance, ErrorEvent, ExtendableEvent, ScheduledEvent,
    IdentityTransformStream, FixedLengthStream, WorkerGlobalScope, ServiceWorkerGlobalScope,
  });
  return globals;
}

/**
 * Names the runtime defines per load of the worker (timers, the global listeners, `self`, and the abort
 * classes, whose timeout signals report to the load's log): reserved, a plugin cannot provide them.
 */
export const PER_LOAD_GLOBALS = [
  "setTimeout",
  "clearTimeout",
  "setInterval",
  "clearInterval",
  "queueMicrotask",
  "scheduler",
  "addEventListener",
  "removeEventListener",
  "AbortController",
  "AbortSignal",
  "self",
] as const;
