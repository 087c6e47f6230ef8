/**
 * What workerd refuses at a script's top level ("Disallowed operation called within global scope"), and
 * what it allows; the same operations work inside a handler. Measured on workerd with the conformance harness
 * (conformance/cases/restrictions.mjs). Issue 10.
 */
import { describe, expect, it } from "vitest";
import { useCore, useTempDir } from "./helpers.js";

const cores = useCore();
const tmp = useTempDir();

const OPERATIONS = {
  setTimeout: "setTimeout(() => {}, 1)",
  setInterval: "clearInterval(setInterval(() => {}, 1000))",
  getRandomValues: "crypto.getRandomValues(new Uint8Array(4))",
  randomUUID: "crypto.randomUUID()",
  generateKey: "crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])",
  Response: "new Response('x')",
  fetch: "fetch('http://127.0.0.1:9/').catch(() => {})",
  AbortController: "new AbortController()",
  "AbortSignal.timeout": "AbortSignal.timeout(10)",
  TransformStream: "new TransformStream()",
  "scheduler.wait": "scheduler.wait(1)",
  // Allowed at the top level too:
  "Math.random": "Math.random()",
  Request: "new Request('https://example.com/')",
  Headers: "new Headers()",
  digest: "crypto.subtle.digest('SHA-256', new Uint8Array(1))",
  ReadableStream: "new ReadableStream()",
};

const probe = (code: string) => `(() => { try { ${code}; return "allowed"; } catch (e) { return e.message.slice(0, 48); } })()`;
const table = `({ ${Object.entries(OPERATIONS).map(([name, code]) => `${JSON.stringify(name)}: ${probe(code)}`).join(", ")} })`;

describe("WebAssembly", () => {
  it("refuses compiling bytes at run time, with V8's message as workerd; an imported .wasm module works", async () => {
    // (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
    const add = [0, 97, 115, 109, 1, 0, 0, 0, 1, 7, 1, 96, 2, 127, 127, 1, 127, 3, 2, 1, 0, 7, 7, 1, 3, 97, 100, 100, 0, 0, 10, 9, 1, 7, 0, 32, 0, 32, 1, 106, 11];
    await tmp.write("add.wasm", Buffer.from(add));
    await tmp.write("worker.mjs", `import mod from "./add.wasm";
      export default { async fetch() {
        const bytes = new Uint8Array(${JSON.stringify(add)});
        const refused = [];
        try { new WebAssembly.Module(bytes); } catch (e) { refused.push([e.constructor.name, e.message]); }
        await WebAssembly.compile(bytes).catch((e) => refused.push([e.constructor.name, e.message]));
        const instance = await WebAssembly.instantiate(mod);
        return Response.json({ refused, sum: instance.exports.add(2, 3), isModule: mod instanceof WebAssembly.Module });
      } };`);
    const mf = cores.create({ modules: true, rootPath: tmp.path, scriptPath: "worker.mjs" });
    expect(await (await mf.dispatchFetch()).json()).toEqual({
      refused: [
        ["CompileError", "WebAssembly.Module(): Wasm code generation disallowed by embedder"],
        ["CompileError", "WebAssembly.compile(): Wasm code generation disallowed by embedder"],
      ],
      sum: 5,
      isModule: true,
    });
  });
});

describe("global scope", () => {
  it("refuses I/O, timers and randomness at the top level, as workerd does, and allows them in a handler", async () => {
    const mf = cores.create({
      modules: true,
      script: `const atTopLevel = ${table};
        export default { fetch() { return Response.json({ atTopLevel, inHandler: ${table} }); } };`,
    });
    const { atTopLevel, inHandler } = (await (await mf.dispatchFetch()).json()) as Record<string, Record<string, string>>;
    const disallowed = "Disallowed operation called within global scope.";
    for (const name of ["setTimeout", "setInterval", "getRandomValues", "randomUUID", "generateKey", "Response", "fetch", "AbortController", "AbortSignal.timeout", "TransformStream", "scheduler.wait"]) {
      expect(atTopLevel![name], name).toBe(disallowed);
    }
    for (const name of ["Math.random", "Request", "Headers", "digest", "ReadableStream"]) expect(atTopLevel![name], name).toBe("allowed");
    for (const [name, outcome] of Object.entries(inHandler!)) expect(outcome, name).toBe("allowed");
  });

  it("fails the load when such an operation is not caught, with workerd's message", async () => {
    const mf = cores.create({ modules: true, script: `setTimeout(() => {}, 1); export default { fetch: () => new Response("x") };` });
    await expect(mf.dispatchFetch()).rejects.toThrow(/^Uncaught Error: Disallowed operation called within global scope\. Asynchronous I\/O/);
  });

  it("counts a top-level await's continuation as the top level too", async () => {
    const mf = cores.create({
      modules: true,
      script: `await Promise.resolve(); let outcome; try { crypto.randomUUID(); outcome = "allowed"; } catch (e) { outcome = e.constructor.name; }
        export default { fetch: () => new Response(outcome) };`,
    });
    expect(await (await mf.dispatchFetch()).text()).toBe("Error");
  });
});
