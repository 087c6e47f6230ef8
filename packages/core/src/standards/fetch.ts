import { Request, type WorkersRequestInit } from "./request.js";
import { makeImmutable } from "./headers.js";
import { fromBaseResponse, type Response } from "./response.js";
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
  const response = fromBaseResponse(await baseFetch(request as unknown as globalThis.Request));
  // workerd's fetch() responses have immutable headers, as the incoming request's (api/http.c++).
  makeImmutable(response.headers);
  return response;
};
