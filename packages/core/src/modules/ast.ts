/**
 * ESTree nodes as acorn produces them, typed loosely: the transform reads a handful of fields per node type
 * and checks `type` before each read, which acorn's own union types make verbose without making safer.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyNode = { type: string; start: number; end: number; [field: string]: any };
