/**
 * Fetch types named as on the web. Without the DOM lib, TypeScript has them only as undici's, which
 * @types/node does not re-export by these names; deriving them from Node's globals keeps one family.
 */
export type RequestInfo = ConstructorParameters<typeof globalThis.Request>[0];
export type BodyInit = NonNullable<ConstructorParameters<typeof globalThis.Response>[0]>;

/**
 * undici-types declares `status`, `ok` and `clone` as readonly *properties*, which TypeScript will not let
 * a subclass override with accessors and methods, although at runtime they are exactly that. These
 * constructor types restate them as accessors and methods for our subclasses.
 */
export interface NodeResponseShape extends Omit<globalThis.Response, "status" | "ok" | "clone"> {
  get status(): number;
  get ok(): boolean;
  clone(): globalThis.Response;
}

export interface NodeResponseConstructor {
  new (body?: BodyInit | null, init?: ResponseInit): NodeResponseShape;
  readonly prototype: NodeResponseShape;
  error(): globalThis.Response;
  json(data: unknown, init?: ResponseInit): globalThis.Response;
  redirect(url: string | URL, status?: number): globalThis.Response;
}

export interface NodeRequestShape extends Omit<globalThis.Request, "clone"> {
  clone(): globalThis.Request;
}

export interface NodeRequestConstructor {
  new (input: RequestInfo, init?: RequestInit): NodeRequestShape;
  readonly prototype: NodeRequestShape;
}
