/**
 * What production refuses: I/O and randomness at the module's top level ("Disallowed operation called
 * within global scope"), code generation, WebAssembly from bytes.
 */
import { expression, statements } from "../src/define.mjs";

// A minimal WebAssembly module exporting add(a, b) (i32), as bytes.
const ADD_WASM = "[0,97,115,109,1,0,0,0,1,7,1,96,2,127,127,1,127,3,2,1,0,7,7,1,3,97,100,100,0,0,10,9,1,7,0,32,0,32,1,106,11]";

export default [
  // At the top level. Each global case's outcome is { value } or { threw }.
  { name: "global scope: setTimeout", global: () => setTimeout(() => {}, 1) },
  { name: "global scope: setInterval", global: () => setInterval(() => {}, 1000) },
  { name: "global scope: crypto.getRandomValues", global: () => crypto.getRandomValues(new Uint8Array(4)).length },
  { name: "global scope: crypto.randomUUID", global: () => crypto.randomUUID().length },
  { name: "global scope: Math.random", global: () => typeof Math.random() },
  { name: "global scope: new Response", global: () => new Response("x").status },
  { name: "global scope: new Request", global: () => new Request("https://example.com/").method },
  { name: "global scope: new WebSocketPair", global: () => Object.keys(new WebSocketPair()).length },
  { name: "global scope: fetch", global: () => fetch("https://example.com/").then(() => "fetched") },
  { name: "global scope: new Headers", global: () => new Headers({ a: "1" }).get("a") },
  { name: "global scope: new URL", global: () => new URL("https://example.com/a").pathname },
  { name: "global scope: new TextEncoder", global: () => new TextEncoder().encode("a").length },
  { name: "global scope: crypto.subtle.digest", global: () => crypto.subtle.digest("SHA-256", new Uint8Array(1)).then((d) => d.byteLength) },
  { name: "global scope: crypto.subtle.generateKey", global: () =>
      crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, ["sign"]).then((k) => k.type) },
  { name: "global scope: queueMicrotask", global: () => queueMicrotask(() => {}) },
  { name: "global scope: Promise.resolve", global: () => Promise.resolve(1) },
  { name: "global scope: new AbortController", global: () => new AbortController().signal.aborted },
  { name: "global scope: AbortSignal.timeout", global: () => AbortSignal.timeout(10).aborted },
  { name: "global scope: new ReadableStream", global: () => typeof new ReadableStream().getReader },
  { name: "global scope: new TransformStream", global: () => typeof new TransformStream().readable },
  { name: "global scope: structuredClone", global: () => structuredClone({ a: [1] }) },
  { name: "global scope: new Blob", global: () => new Blob(["ab"]).size },
  { name: "global scope: scheduler.wait", global: () => scheduler.wait(1) },
  { name: "global scope: Date.now is a number", global: () => typeof Date.now() },
  { name: "global scope: new WebSocket", global: () => new WebSocket("wss://example.com/").readyState },
  { name: "global scope: caches.default.match", global: () => caches.default.match("https://example.com/") },
  { name: "global scope: new EventTarget", global: () => typeof new EventTarget().dispatchEvent },
  { name: "global scope: eval", global: () => eval("1") },

  // Inside a handler.
  { name: "handler: Math.random", run: expression("typeof Math.random()") },
  { name: "handler: setTimeout", run: statements("const id = setTimeout(() => {}, 1); clearTimeout(id); return typeof id;") },
  { name: "handler: new Function", run: expression("errorOf(() => new Function('return 1'))") },
  { name: "handler: eval", run: expression("errorOf(() => eval('1'))") },
  { name: "handler: Function constructor through a prototype", run: expression("errorOf(() => (() => {}).constructor('return 1'))") },
  { name: "handler: async Function constructor", run: expression("errorOf(() => (async () => {}).constructor('return 1'))") },
  { name: "Wasm: new WebAssembly.Module from bytes", run: expression(`errorOf(() => new WebAssembly.Module(new Uint8Array(${ADD_WASM})))`) },
  { name: "Wasm: WebAssembly.compile from bytes", run: expression(`rejectionOf(() => WebAssembly.compile(new Uint8Array(${ADD_WASM})))`) },
  { name: "Wasm: WebAssembly.instantiate from bytes", run: expression(`rejectionOf(() => WebAssembly.instantiate(new Uint8Array(${ADD_WASM})))`) },
  { name: "Wasm: WebAssembly.validate from bytes", run: expression(`WebAssembly.validate(new Uint8Array(${ADD_WASM}))`) },
  { name: "Wasm: a module imported from a .wasm file", request: {},
    files: { "add.wasm": new Uint8Array(JSON.parse(ADD_WASM)) },
    worker: `import mod from "./add.wasm";
export default {
  async fetch() {
    const instance = await WebAssembly.instantiate(mod);
    return Response.json({ type: Object.prototype.toString.call(mod), sum: instance.exports.add(2, 3), isModule: mod instanceof WebAssembly.Module });
  },
};` },

  // A top-level throw makes the load fail.
  { name: "load: a top-level throw", request: {}, worker: `throw new TypeError("at load"); export default {};` },
  { name: "load: a disallowed operation uncaught at the top level", request: {},
    worker: `setTimeout(() => {}, 1); export default { fetch() { return new Response("loaded"); } };` },
  { name: "load: no handler exported", request: {}, worker: `export const x = 1;` },
  { name: "load: default export without fetch", request: {}, worker: `export default { other() {} };` },
  { name: "load: top-level await of a settled promise", request: {},
    worker: `const v = await Promise.resolve("awaited"); export default { fetch() { return new Response(v); } };` },
  { name: "load: top-level await of a timer", request: {},
    worker: `await new Promise((r) => setTimeout(r, 1)); export default { fetch() { return new Response("x"); } };` },
  { name: "load: a service worker without listeners", request: {}, modules: false, worker: `const x = 1;` },
];
