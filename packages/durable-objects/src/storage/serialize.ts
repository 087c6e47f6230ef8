/**
 * Values in storage are kept as V8's serialization of the value, as workerd keeps them
 * (`serializeV8Value` in src/workerd/api/util.c++): anything structured clone accepts round-trips (Map,
 * Set, Date, RegExp, ArrayBuffer and views, nested objects, cycles); a function or a symbol is a
 * DataCloneError. Values come back as objects of flarelet's realm, which the worker's `instanceof`
 * checks accept (core's realm.ts).
 */
import v8 from "node:v8";

export function serialize(value: unknown): Uint8Array {
  try {
    return v8.serialize(value);
  } catch (error) {
    throw new DOMException((error as Error).message, "DataCloneError");
  }
}

export function deserialize(bytes: Uint8Array): unknown {
  return v8.deserialize(bytes);
}
