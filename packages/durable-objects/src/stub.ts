/**
 * A Durable Object stub (`namespace.get(id)`): `id`, `name`, `fetch()`, and, from compatibility date
 * 2024-04-03 (flag `rpc`), any other property is an RPC method of the object, called as
 * `await stub.method(...args)` or read as `await stub.property` (workerd's wildcard stub).
 *
 *     worker ── stub.method(args) ──► copy args ─► gate ─► instance.method(…) ─► copy result ──► worker
 *                                                             throws ─► error as workerd shows it (rpc-clone.ts)
 */
import { Request } from "@flarelet/core";
import type { ObjectHost } from "./host.js";
import type { DurableObjectId } from "./ids.js";
import type { LoadedWorker } from "./load.js";
import { remoteError, rpcClone } from "./rpc-clone.js";

/** workerd's reserved names (src/workerd/api/worker-rpc.c++, `isReservedName`). */
const RESERVED = new Set(["fetch", "connect", "alarm", "webSocketMessage", "webSocketClose", "webSocketError", "dup", "constructor"]);
const NO_RPC_MESSAGE =
  "The receiving Durable Object does not support RPC, because its class was not declared with `extends DurableObject`. " +
  'In order to enable RPC, make sure your class extends the special class `DurableObject`, which can be imported from the module "cloudflare:workers".';
const FAKE_HOST = "https://fake-host/";

export interface StubTarget {
  readonly id: DurableObjectId;
  host(): ObjectHost;
  load(): LoadedWorker;
}

export function createStub(target: StubTarget): Record<string, unknown> {
  const base = {
    get id() {
      return target.id;
    },
    get name() {
      return target.id.name;
    },
    fetch: (input: unknown, init?: unknown) => stubFetch(target, input, init),
    [Symbol.toStringTag]: "DurableObject",
  };
  return new Proxy(base, {
    get(object, property, receiver) {
      if (typeof property === "symbol" || property in object) return Reflect.get(object, property, receiver);
      // A stub is not a thenable: `await stub` must not call a method named "then".
      if (property === "then") return undefined;
      if (!target.load().compatibility.isEnabled("rpc")) return undefined;
      return rpcProperty(target, property);
    },
  }) as Record<string, unknown>;
}

/** `stub.fetch()`: the object's `fetch(request)`, its Response (a WebSocket upgrade included) as is. */
async function stubFetch(target: StubTarget, input: unknown, init: unknown): Promise<unknown> {
  const load = target.load();
  let request: Request;
  if (typeof input === "string" || input instanceof URL) {
    let url = String(input);
    // Before 2021-11-10 a path was taken relative to a fake host (workerd's Fetcher::parseUrl).
    if (!load.compatibility.isEnabled("durable_object_fetch_requires_full_url")) url = new URL(url, FAKE_HOST).href;
    else if (!URL.canParse(url)) throw new TypeError(`Invalid URL: ${url}`);
    request = new Request(url, init as never);
  } else {
    request = new Request(input as Request, init as never);
  }
  const host = target.host();
  return host.deliver(async (instance) => {
    if (typeof instance.fetch !== "function") throw new TypeError("Handler does not export a fetch() function.");
    return await (instance.fetch as (request: Request) => unknown).call(instance, request);
  }, "fetch");
}

/** `stub.name`: a function that calls the method, and a thenable that reads the property. */
function rpcProperty(target: StubTarget, name: string): unknown {
  const call = (...args: unknown[]) => {
    let copied: unknown[];
    try {
      // Arguments are copied on the caller's side: a DataCloneError is the caller's own, not remote.
      const realm = target.load().realm;
      copied = args.map((arg) => rpcClone(arg, realm));
    } catch (error) {
      return Promise.reject(error);
    }
    return rpc(target, name, (member, instance) => {
      if (typeof member !== "function") throw new TypeError(`"${name}" is not a function.`);
      return (member as (...args: unknown[]) => unknown).apply(instance, copied);
    });
  };
  Object.defineProperty(call, "then", {
    value: (resolve: (value: unknown) => unknown, reject: (error: unknown) => unknown) =>
      rpc(target, name, (member) => member).then(resolve, reject),
  });
  return call;
}

async function rpc(target: StubTarget, name: string, use: (member: unknown, instance: object) => unknown): Promise<unknown> {
  const load = target.load();
  const host = target.host();
  try {
    if (RESERVED.has(name)) throw new TypeError(`'${name}' is a reserved method and cannot be called over RPC.`);
    if (!host.objectClass.rpc) throw new TypeError(NO_RPC_MESSAGE);
    return await host.deliver(async (instance) => {
      // Only class members, not own properties or Object.prototype's (worker-rpc.c++, tryGetProperty).
      const member = Object.hasOwn(instance, name) ? undefined : instance[name];
      if (member === undefined || member === (Object.prototype as Record<string, unknown>)[name]) {
        throw new TypeError(`The RPC receiver does not implement the method "${name}".`);
      }
      return rpcClone(await use(member, instance), load.realm);
    }, `RPC ${name}()`);
  } catch (error) {
    throw remoteError(error, load.realm, load.compatibility.isEnabled("enhanced_error_serialization"));
  }
}
