/** Module namespace objects as the language makes them: null prototype, `[object Module]`, not extensible. */

export type Namespace = Record<string, unknown>;

export function createNamespace(): Namespace {
  const namespace = Object.create(null) as Namespace;
  Object.defineProperty(namespace, Symbol.toStringTag, { value: "Module" });
  return namespace;
}

export function sealNamespace(namespace: Namespace): void {
  Object.preventExtensions(namespace);
}

/** The namespace of a built-in module whose exports are the plain object `exports`. */
export function namespaceOf(exports: Record<string, unknown>): Namespace {
  const namespace = createNamespace();
  for (const [name, value] of Object.entries(exports)) {
    Object.defineProperty(namespace, name, { value, enumerable: true, writable: true });
  }
  sealNamespace(namespace);
  return namespace;
}
