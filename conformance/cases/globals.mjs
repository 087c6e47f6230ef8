/** The global scope: which globals and APIs exist, and what they are. */
import { expression, statements } from "../src/define.mjs";

/** Globals a worker may look for: `typeof` each, at both dates. */
const GLOBALS = [
  "caches", "HTMLRewriter", "IdentityTransformStream", "FixedLengthStream", "URLPattern", "MessageChannel",
  "MessagePort", "CustomEvent", "ErrorEvent", "EventSource", "reportError", "Crypto", "CryptoKey", "SubtleCrypto",
  "navigator", "Navigator", "scheduler", "Scheduler", "WebSocket", "WebSocketPair", "Request", "Response", "Headers",
  "FormData", "Blob", "File", "URL", "URLSearchParams", "TextEncoder", "TextDecoder", "TextEncoderStream",
  "TextDecoderStream", "ReadableStream", "ReadableStreamDefaultReader", "ReadableStreamBYOBReader",
  "WritableStream", "TransformStream", "CompressionStream", "DecompressionStream", "ByteLengthQueuingStrategy",
  "CountQueuingStrategy", "Event", "EventTarget", "AbortController", "AbortSignal", "DOMException", "atob", "btoa",
  "structuredClone", "setTimeout", "setInterval", "clearTimeout", "clearInterval", "queueMicrotask", "console",
  "performance", "Performance", "fetch", "self", "WebAssembly", "FetchEvent", "ExtendableEvent",
  "PromiseRejectionEvent", "MessageEvent", "CloseEvent", "ScheduledEvent", "Cache", "CacheStorage",
  "ServiceWorkerGlobalScope", "WorkerGlobalScope", "BroadcastChannel", "process", "Buffer", "global", "require",
  "module", "setImmediate", "clearImmediate", "WebSocketRequestResponsePair", "Iterator", "Float16Array",
  "DisposableStack", "AsyncDisposableStack", "SuppressedError", "Temporal", "SharedArrayBuffer", "Atomics",
  "WeakRef", "FinalizationRegistry", "XMLHttpRequest", "Worker", "localStorage", "location", "document", "window",
];

/** Newer built-ins of the JavaScript language: present in workerd's V8? */
const BUILT_INS = [
  "Promise.try", "Promise.withResolvers", "Error.isError", "Error.captureStackTrace", "Uint8Array.fromBase64",
  "Uint8Array.fromHex", "Uint8Array.prototype.toBase64", "Uint8Array.prototype.toHex", "RegExp.escape",
  "Math.sumPrecise", "Math.f16round", "Array.fromAsync", "Object.groupBy", "Map.groupBy", "Set.prototype.union",
  "Set.prototype.isSubsetOf", "Iterator.from", "Iterator.prototype.map", "Iterator.prototype.toArray",
  "ArrayBuffer.prototype.transfer", "ArrayBuffer.prototype.resize", "String.prototype.isWellFormed",
  "Array.prototype.toSorted", "Array.prototype.findLast", "JSON.rawJSON", "Atomics.pause", "Intl.DurationFormat",
  "Symbol.dispose", "Symbol.asyncDispose", "Intl.Segmenter",
];

export default [
  ...GLOBALS.map((name) => ({ name: `globals: typeof ${name}`, run: expression(`typeof ${name}`) })),
  ...BUILT_INS.map((path) => ({ name: `built-ins: typeof ${path}`, run: expression(`typeof ${path}`) })),

  { name: "globals: self is globalThis", run: expression("self === globalThis") },
  { name: "globals: toString tag of globalThis", run: expression("tag(globalThis)") },
  { name: "globals: eval is refused", run: expression(`errorOf(() => eval("1 + 1"))`) },
  { name: "globals: new Function is refused", run: expression(`errorOf(() => new Function("return 1"))`) },
  { name: "globals: navigator fields", run: expression(
    "({ userAgent: navigator.userAgent, language: navigator.language, languages: navigator.languages, hardwareConcurrency: navigator.hardwareConcurrency, sendBeacon: typeof navigator.sendBeacon, platform: navigator.platform })") },
  { name: "globals: toString tag of navigator", run: expression("tag(navigator)") },
  { name: "globals: performance.timeOrigin", run: expression("performance.timeOrigin") },
  { name: "globals: typeof performance.now", run: expression("typeof performance.now") },
  { name: "globals: toString tag of performance", run: expression("tag(performance)") },
  { name: "globals: typeof scheduler.wait", run: expression("typeof scheduler?.wait") },
  { name: "globals: scheduler.wait resolves to undefined", run: expression("scheduler.wait(1)") },
  { name: "globals: the clock is UTC", run: expression(
    "({ offset: new Date(0).getTimezoneOffset(), zone: Intl.DateTimeFormat().resolvedOptions().timeZone, text: new Date(0).toString() })") },
  { name: "globals: setTimeout returns a number", run: statements("const id = setTimeout(() => {}, 1); clearTimeout(id); return typeof id;") },
  { name: "globals: setTimeout with a string", run: expression(`errorOf(() => setTimeout("1", 1))`) },
  { name: "globals: reportError", run: expression("errorOf(() => reportError(new Error('reported')))") },
  { name: "globals: console methods", run: expression(
    "['log','info','warn','error','debug','trace','table','time','timeEnd','count','group','assert'].map((m) => typeof console[m])") },
  { name: "globals: WebAssembly.validate of a tiny module", run: expression(
    "WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))") },

  // crypto
  { name: "crypto: toString tags", run: expression("[tag(crypto), tag(crypto.subtle)]") },
  { name: "crypto: crypto instanceof Crypto", run: expression("typeof Crypto === 'function' && crypto instanceof Crypto") },
  { name: "crypto: randomUUID format", run: expression("/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID())") },
  { name: "crypto: getRandomValues over 65536 bytes", run: expression("errorOf(() => crypto.getRandomValues(new Uint8Array(65537)))") },
  { name: "crypto: getRandomValues of a Float64Array", run: expression("errorOf(() => crypto.getRandomValues(new Float64Array(2)))") },
  { name: "crypto: getRandomValues returns its argument", run: statements("const a = new Uint8Array(4); return crypto.getRandomValues(a) === a;") },
  { name: "crypto: SHA-256 digest", run: expression("crypto.subtle.digest('SHA-256', new TextEncoder().encode('abc')).then(bytes)") },
  { name: "crypto: MD5 digest", run: expression("crypto.subtle.digest('MD5', new TextEncoder().encode('abc')).then(bytes)") },
  { name: "crypto: unknown digest algorithm", run: expression("rejectionOf(() => crypto.subtle.digest('SHA-3', new Uint8Array(1)))") },
  { name: "crypto: timingSafeEqual", run: expression(
    "typeof crypto.subtle.timingSafeEqual === 'function' ? [crypto.subtle.timingSafeEqual(new Uint8Array([1,2]), new Uint8Array([1,2])), crypto.subtle.timingSafeEqual(new Uint8Array([1,2]), new Uint8Array([1,3]))] : 'missing'") },
  { name: "crypto: timingSafeEqual of different lengths", run: expression(
    "typeof crypto.subtle.timingSafeEqual === 'function' ? errorOf(() => crypto.subtle.timingSafeEqual(new Uint8Array(1), new Uint8Array(2))) : 'missing'") },
  { name: "crypto: DigestStream", run: statements(`
    if (typeof crypto.DigestStream !== "function") return "missing";
    const stream = new crypto.DigestStream("SHA-256");
    const writer = stream.getWriter();
    await writer.write(new TextEncoder().encode("abc"));
    await writer.close();
    return bytes(await stream.digest);`) },
  { name: "crypto: HMAC sign and verify", run: statements(`
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode("key"), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    const signature = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode("data"));
    return { length: signature.byteLength, verified: await crypto.subtle.verify("HMAC", key, signature, new TextEncoder().encode("data")), key: { type: key.type, extractable: key.extractable, algorithm: key.algorithm.name, usages: key.usages } };`) },
  { name: "crypto: importKey with an unknown format", run: expression(
    "rejectionOf(() => crypto.subtle.importKey('bogus', new Uint8Array(16), 'AES-GCM', false, ['encrypt']))") },
  { name: "crypto: generateKey Ed25519", run: statements(`
    const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]);
    return [pair.publicKey.algorithm.name, pair.privateKey.type];`) },

  // ctx and env
  { name: "ctx: own keys", run: expression("Object.keys(ctx).sort()") },
  { name: "ctx: props", run: expression("ctx.props") },
  { name: "ctx: typeof exports", run: expression("typeof ctx.exports") },
  { name: "ctx: typeof waitUntil and passThroughOnException", run: expression("[typeof ctx.waitUntil, typeof ctx.passThroughOnException]") },
  { name: "ctx: waitUntil with a non-promise", run: expression("errorOf(() => ctx.waitUntil(1))") },
  { name: "ctx: toString tag", run: expression("tag(ctx)") },
  { name: "env: is a plain object of the bindings", run: expression("[Object.keys(env).sort(), env.constructor === Object]") },
];
