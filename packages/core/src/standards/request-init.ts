/**
 * What workerd checks in `new Request(input, init)` and `fetch(input, init)` beyond the Fetch standard
 * (api/http.c++, Request::constructor), by compatibility date:
 *
 * | option      | workerd                                                                                   |
 * |-------------|-------------------------------------------------------------------------------------------|
 * | method      | any case of its known methods, upper-cased from 2024-10-14 (`upper_case_all_http_methods`; |
 * |             | before, only the six the standard names); anything else is "Invalid HTTP method string"    |
 * | redirect    | "follow" or "manual" only                                                                 |
 * | integrity   | must be empty                                                                             |
 * | cache       | refused before 2024-11-11 (`cache_option_enabled`); then "no-store", and "no-cache" too     |
 * | mode, credentials, referrer… | ignored (workerd's Request has no such fields)                            |
 *
 * The messages are workerd's.
 */
import type { Compatibility } from "../compatibility.js";

/** RequestInit with the browser options Node's types leave out. */
type Init = RequestInit & { cache?: string; mode?: string; credentials?: string; referrer?: string; referrerPolicy?: string };

/** kj's HTTP methods (kj/compat/http.h, KJ_HTTP_FOR_EACH_METHOD); CONNECT is not among them. */
const KNOWN_METHODS = new Set([
  "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "PURGE", "OPTIONS", "TRACE", "COPY", "LOCK", "MKCOL", "MOVE",
  "PROPFIND", "PROPPATCH", "SEARCH", "UNLOCK", "ACL", "REPORT", "MKACTIVITY", "CHECKOUT", "MERGE", "M-SEARCH",
  "NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE",
]);
/** The methods the Fetch standard normalises (upper-cases) whatever the date. */
const STANDARD_METHODS = new Set(["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"]);

const REDIRECT_MESSAGE =
  'Invalid redirect value, must be one of "follow" or "manual" ("error" won\'t be implemented since it does not ' +
  'make sense at the edge; use "manual" and check the response status code).';

export function normaliseMethod(method: string, compatibility: Compatibility): string {
  const upper = method.toUpperCase();
  const caseInsensitive = compatibility.isEnabled("upper_case_all_http_methods") || STANDARD_METHODS.has(upper);
  const normalised = caseInsensitive ? upper : method;
  if (!KNOWN_METHODS.has(normalised)) throw new TypeError(`Invalid HTTP method string: ${method}`);
  return normalised;
}

/** The init checked and normalised as workerd would, or a TypeError/Error with workerd's message. */
export function checkRequestInit<T extends RequestInit | undefined>(given: T, compatibility: Compatibility): T {
  if (given === undefined || given === null || typeof given !== "object") return given;
  const init = given as Init;
  let checked: Init = init;
  if (init.method !== undefined) {
    const method = normaliseMethod(String(init.method), compatibility);
    if (method !== init.method) checked = { ...checked, method };
  }
  if (init.redirect !== undefined && init.redirect !== "follow" && init.redirect !== "manual") {
    throw new TypeError(REDIRECT_MESSAGE);
  }
  if (init.integrity !== undefined && init.integrity !== "") {
    throw new TypeError(
      "Subrequest integrity checking is not implemented. The integrity option must be either undefined or an empty string.",
    );
  }
  if (init.cache !== undefined) {
    if (!compatibility.isEnabled("cache_option_enabled")) {
      throw new Error("The 'cache' field on 'RequestInitializerDict' is not implemented.");
    }
    if (init.cache !== "no-store" && init.cache !== "no-cache") throw new TypeError(`Unsupported cache mode: ${init.cache}`);
  }
  // workerd ignores the browser-only options; undici would act on some (mode: "navigate" throws).
  if (init.mode !== undefined || init.credentials !== undefined || init.referrer !== undefined || init.referrerPolicy !== undefined) {
    const { mode: _mode, credentials: _credentials, referrer: _referrer, referrerPolicy: _policy, ...rest } = checked;
    checked = rest;
  }
  return checked as T;
}
