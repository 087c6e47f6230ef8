/**
 * The Durable Object helpers of `cloudflare:test`, on the test file's flarelet worker: names, arguments,
 * results and error messages as `@cloudflare/vitest-pool-workers`'. An object is the one its stub points
 * at, constructed from the main module's own class (the same class a test imports), so
 * `expect(instance).toBeInstanceOf(Counter)` holds.
 */
import type { DurableObjectId, MiniflareResponse } from "flarelet";
import { currentTestFile } from "./test-file.js";

/** The parts of a stub and an id these helpers use. */
interface Stub {
  readonly id: { toString(): string };
  fetch(...args: unknown[]): Promise<MiniflareResponse>;
}

interface Namespace {
  idFromString(id: string): unknown;
  newUniqueId(): unknown;
  idFromName(name: string): unknown;
  get(id: unknown): unknown;
}

export interface DurableObjectEvictionOptions {
  /** What happens to the object's hibernatable WebSockets. @default "hibernate" */
  webSockets?: "close" | "hibernate";
}

function isStub(value: unknown): value is Stub {
  if (typeof value !== "object" || value === null) return false;
  const { id, fetch } = value as Partial<Stub>;
  return typeof fetch === "function" && typeof id === "object" && id !== null;
}

function isNamespace(value: unknown): value is Namespace {
  if (typeof value !== "object" || value === null) return false;
  const namespace = value as Partial<Namespace>;
  return ["idFromString", "newUniqueId", "idFromName", "get"].every((name) => typeof namespace[name as keyof Namespace] === "function");
}

/** The id of `stub`, as one of this worker's namespaces made it; pool-workers' error otherwise. */
function ownId(stub: Stub): DurableObjectId {
  const { env } = currentTestFile();
  const hex = stub.id.toString();
  for (const value of Object.values(env)) {
    if (!isNamespace(value)) continue;
    try {
      return value.idFromString(hex) as DurableObjectId;
    } catch {
      // Another namespace's id: try the next.
    }
  }
  throw new Error("Durable Object test helpers can only be used with stubs pointing to objects defined within the same worker.");
}

/**
 * Runs `callback(instance, state)` inside the object `stub` points at, as one more event through its input
 * gate (the object is constructed first if need be), and resolves with what the callback returns.
 */
export async function runInDurableObject<O, R>(stub: unknown, callback: (instance: O, state: unknown) => R | Promise<R>): Promise<R> {
  if (!isStub(stub)) throw new TypeError("Failed to execute 'runInDurableObject': parameter 1 is not of type 'DurableObjectStub'.");
  if (typeof callback !== "function") throw new TypeError("Failed to execute 'runInDurableObject': parameter 2 is not of type 'function'.");
  const id = ownId(stub);
  return (await currentTestFile().mf.runInDurableObject(id, (instance, state) => callback(instance as O, state))) as R;
}

/**
 * Runs the object's alarm now, if one is set, and removes it: true if it ran. The handler gets
 * `{ retryCount: 0, isRetry: false }`, as a first run from the runtime does.
 */
export async function runDurableObjectAlarm(stub: unknown): Promise<boolean> {
  if (!isStub(stub)) throw new TypeError("Failed to execute 'runDurableObjectAlarm': parameter 1 is not of type 'DurableObjectStub'.");
  return await runInDurableObject(stub, async (instance: { alarm?: (info: unknown) => unknown }, state) => {
    const storage = (state as { storage: { getAlarm(): Promise<number | null>; deleteAlarm(): Promise<void> } }).storage;
    if ((await storage.getAlarm()) === null) return false;
    await storage.deleteAlarm();
    await instance.alarm?.({ retryCount: 0, isRetry: false });
    return true;
  });
}

/** The ids of the namespace's objects that have storage. */
export async function listDurableObjectIds(namespace: unknown): Promise<unknown[]> {
  if (!isNamespace(namespace)) {
    throw new TypeError("Failed to execute 'listDurableObjectIds': parameter 1 is not of type 'DurableObjectNamespace'.");
  }
  const file = currentTestFile();
  const binding = Object.entries(file.env).find(([, value]) => value === namespace)?.[0];
  if (binding === undefined) {
    throw new Error("Durable Object test helpers can only be used with namespaces bound to the worker under test (in env).");
  }
  return await file.mf.listDurableObjectIds(binding);
}

/**
 * Evicts the object `stub` points at, as workerd's test eviction does: once no event of it is in flight (at
 * most 30 s), its instance goes (its next event constructs the class again), its storage stays, and its
 * hibernatable WebSockets hibernate, or close with `webSockets: "close"`. Rejects if it is not running.
 */
export async function evictDurableObject(stub: unknown, options?: DurableObjectEvictionOptions): Promise<void> {
  if (!isStub(stub)) throw new TypeError("Failed to execute 'evictDurableObject': parameter 1 is not of type 'DurableObjectStub'.");
  if (!(await currentTestFile().mf.evictDurableObject(ownId(stub), evictionOptions(options)))) {
    throw new Error("Cannot evict Durable Object: it is not currently running.");
  }
}

/** Evicts every running object, as `evictDurableObject()` does each; objects not running are skipped. */
export async function evictAllDurableObjects(options?: DurableObjectEvictionOptions): Promise<void> {
  await currentTestFile().mf.evictDurableObject(undefined, evictionOptions(options));
}

/** Tears down every instance at once, whatever it is doing; hibernatable WebSockets close; storage stays. */
export async function abortAllDurableObjects(): Promise<void> {
  await currentTestFile().mf.abortAllDurableObjects();
}

/** Deletes every Durable Object's storage and alarm in the worker, and tears down every instance. */
export async function reset(): Promise<void> {
  const file = currentTestFile();
  for (const [binding, value] of Object.entries(file.env)) {
    if (!isNamespace(value)) continue;
    for (const id of await file.mf.listDurableObjectIds(binding)) {
      const storage = await file.mf.getDurableObjectStorage(id);
      await storage.deleteAll();
      await storage.deleteAlarm();
    }
  }
  await file.mf.abortAllDurableObjects();
}

/** The options, checked to be an object; flarelet checks `webSockets` with workerd's message. */
function evictionOptions(options: DurableObjectEvictionOptions | undefined): DurableObjectEvictionOptions {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null) throw new TypeError("Failed to execute 'evictDurableObject': parameter 2 is not of type 'DurableObjectEvictionOptions'.");
  return options;
}
