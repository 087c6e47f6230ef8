/**
 * Response compression, as the runtime does it by default (`encodeBody: "automatic"`): a worker's body is
 * always plain bytes, and a `Content-Encoding` header asks the runtime to encode it on the way out. That is
 * also what makes proxying work: `fetch()` decodes an origin's gzip body but keeps its `Content-Encoding`
 * header, so the body must be encoded again (Miniflare 2 did the same, miniflare#148).
 *
 * The visitor's own `Accept-Encoding` decides: a body it cannot decode is sent plain, without the header.
 * An unknown coding (e.g. zstd, which fetch() passes through still encoded) is left alone, header and body.
 */
import type { Transform } from "node:stream";
import zlib from "node:zlib";

export type Coding = "gzip" | "deflate" | "br";

export type EncodingPlan =
  /** No `Content-Encoding`, or one we do not know: send headers and body as they are. */
  | { readonly kind: "as-is" }
  /** Encode the body with each coding in order; the length changes, so no `Content-Length`. */
  | { readonly kind: "encode"; readonly codings: readonly Coding[] }
  /** The visitor cannot decode it: send the plain body and drop `Content-Encoding`. */
  | { readonly kind: "identity" };

const ALIASES: Record<string, Coding | "identity"> = {
  gzip: "gzip",
  "x-gzip": "gzip",
  deflate: "deflate",
  br: "br",
  identity: "identity",
};

/** The codings of a `Content-Encoding` header, in the order they are applied; undefined if any is unknown. */
export function parseContentEncoding(header: string): Coding[] | undefined {
  const codings: Coding[] = [];
  for (const token of header.split(",")) {
    const name = token.trim().toLowerCase();
    if (name === "") continue;
    const coding = ALIASES[name];
    if (coding === undefined) return undefined;
    if (coding !== "identity") codings.push(coding);
  }
  return codings;
}

/**
 * Whether an `Accept-Encoding` header accepts `coding` (RFC 9110 §12.5.3, with `*` and `;q=0`). A visitor
 * that sent no header gets plain bodies, as Cloudflare serves them (curl without --compressed, for one).
 */
export function acceptsCoding(acceptEncoding: string | undefined, coding: Coding): boolean {
  if (acceptEncoding === undefined) return false;
  let wildcard: boolean | undefined;
  for (const entry of acceptEncoding.split(",")) {
    const [rawName = "", ...params] = entry.split(";");
    const name = rawName.trim().toLowerCase();
    const q = params.map((param) => param.trim().toLowerCase()).find((param) => param.startsWith("q="));
    const accepted = q === undefined || Number(q.slice(2)) > 0;
    if (ALIASES[name] === coding) return accepted;
    if (name === "*") wildcard = accepted;
  }
  return wildcard ?? false;
}

export function planEncoding(contentEncoding: string | null, acceptEncoding: string | undefined): EncodingPlan {
  if (contentEncoding === null) return { kind: "as-is" };
  const codings = parseContentEncoding(contentEncoding);
  if (codings === undefined || codings.length === 0) return { kind: "as-is" };
  if (codings.every((coding) => acceptsCoding(acceptEncoding, coding))) return { kind: "encode", codings };
  return { kind: "identity" };
}

export function createEncoder(coding: Coding): Transform {
  switch (coding) {
    case "gzip":
      return zlib.createGzip();
    case "deflate":
      return zlib.createDeflate();
    case "br":
      return zlib.createBrotliCompress();
  }
}
