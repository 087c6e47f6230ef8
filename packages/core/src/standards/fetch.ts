import { Request, type WorkersRequestInit } from "./request.js";
import { makeImmutable } from "./headers.js";
import { withoutDefaultHeaders } from "./outbound-headers.js";
import { asNetworkError, fromBaseResponse, type Response } from "./response.js";
import type { RequestInfo } from "./types.js";

const baseFetch = globalThis.fetch;

/** A `fetch` as the worker sees it: same signature as the Workers runtime's, resolving to a Workers `Response`. */
export type WorkersFetch = (input: RequestInfo, init?: WorkersRequestInit) => Promise<Response>;

/**
 * The worker's `fetch`: Node's own (undici) fetch, with the Workers `Request` for input (so that stream
 * bodies need no `duplex`) and the Workers `Response` for output. `cf` options are accepted and ignored,
 * since nothing here runs behind Cloudflare.
 */
export const fetch: WorkersFetch = async (input, init) => {
  const request = new Request(input, init);
  const { protocol } = new URL(request.url);
  // workerd fetches http(s) only (ws(s) is the web-sockets plugin's, which wraps this fetch).
  if (protocol !== "http:" && protocol !== "https:") throw new TypeError(`Fetch API cannot load: ${request.url}`);
  let base: globalThis.Response;
  try {
    const dispatcher = withoutDefaultHeaders(request as unknown as globalThis.Request);
    base = await baseFetch(request as unknown as globalThis.Request, { dispatcher } as RequestInit);
  } catch (error) {
    throw asNetworkError(error);
  }
  const response = fromBaseResponse(base);
  // workerd's fetch() responses have immutable headers, as the incoming request's (api/http.c++).
  makeImmutable(response.headers);
  return response;
};
