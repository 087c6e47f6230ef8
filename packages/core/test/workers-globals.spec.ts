/**
 * workerd's globals that Node lacks or words differently (issue 10, found with the conformance harness):
 * crypto's additions and messages, the event and stream classes, `reportError`, `ctx`, the global scope's
 * toString tag. Observed from inside the worker.
 */
import { describe, expect, it } from "vitest";
import { LogLevel } from "@flarelet/core";
import { captureLog, jsonWorker, useCore, waitFor } from "./helpers.js";

const cores = useCore();

async function inWorker(body: string): Promise<unknown> {
  const mf = cores.create({ modules: true, compatibilityDate: "2026-07-01", script: jsonWorker(body) });
  return (await mf.dispatchFetch()).json();
}

const errorOf = `const errorOf = (fn) => { try { fn(); return "no error"; } catch (e) { return [e.name, e.message]; } };`;
const hex = `const hex = (buffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");`;

describe("crypto (workerd's)", () => {
  it("is an instance of Crypto, with workerd's getRandomValues messages", async () => {
    expect(await inWorker(`${errorOf}
      return [crypto instanceof Crypto, Object.prototype.toString.call(crypto), crypto.subtle instanceof SubtleCrypto,
        errorOf(() => crypto.getRandomValues(new Uint8Array(65537))), errorOf(() => crypto.getRandomValues(new Float64Array(1)))];`)).toEqual([
      true, "[object Crypto]", true,
      ["QuotaExceededError", "getRandomValues() only accepts buffers of size <= 64K but provided 65537 bytes."],
      ["TypeMismatchError", "ArrayBufferView argument to getRandomValues() must be an integer-typed view."],
    ]);
  });

  it("digests MD5, streams digests with DigestStream, and has timingSafeEqual", async () => {
    expect(await inWorker(`${errorOf} ${hex}
      const md5 = hex(await crypto.subtle.digest("MD5", new TextEncoder().encode("abc")));
      const stream = new crypto.DigestStream("SHA-256"); const writer = stream.getWriter();
      await writer.write(new TextEncoder().encode("a")); await writer.write(new TextEncoder().encode("bc")); await writer.close();
      const unknown = await crypto.subtle.digest("SHA-3", new Uint8Array(1)).then(() => "digested", (e) => [e.name, e.message]);
      return [md5, hex(await stream.digest), crypto.subtle.timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2])),
        crypto.subtle.timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3])),
        errorOf(() => crypto.subtle.timingSafeEqual(new Uint8Array(1), new Uint8Array(2))), unknown];`)).toEqual([
      "900150983cd24fb0d6963f7d28e17f72",
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
      true,
      false,
      ["TypeError", "Input buffers must have the same byte length."],
      ["NotSupportedError", "Unrecognized or unimplemented digest algorithm requested."],
    ]);
  });
});

describe("workerd's other globals", () => {
  it("has IdentityTransformStream and FixedLengthStream, which carry bytes only and count them", async () => {
    expect(await inWorker(`
      const identity = new IdentityTransformStream(); const w = identity.writable.getWriter();
      w.write(new TextEncoder().encode("hi")); w.close();
      const text = await new Response(identity.readable).text();
      const refused = await (async () => { const s = new IdentityTransformStream(); const w = s.writable.getWriter(); s.readable.getReader().read().catch(() => {}); return w.write("str").then(() => "written", (e) => e.constructor.name); })();
      const fixed = new FixedLengthStream(3); const fw = fixed.writable.getWriter(); fixed.readable.getReader().read().catch(() => {});
      const over = await fw.write(new Uint8Array(4)).then(() => "written", (e) => e.message);
      return [text, refused, over];`)).toEqual(["hi", "TypeError", "Attempt to write too many bytes through a FixedLengthStream."]);
  });

  it("has ErrorEvent, ExtendableEvent, ScheduledEvent, CustomEvent and MessageChannel", async () => {
    expect(await inWorker(`
      const e = new ErrorEvent("error", { message: "m", error: 1 });
      return [e.message, e.error, e instanceof Event, typeof ExtendableEvent.prototype.waitUntil, new ScheduledEvent("scheduled", { cron: "* * * * *" }).cron,
        new CustomEvent("c", { detail: 2 }).detail, typeof MessageChannel];`)).toEqual(["m", 1, true, "function", "* * * * *", 2, "function"]);
  });

  it("gives ctx props and exports and workerd's toString tags", async () => {
    expect(await inWorker(`return [ctx.props, typeof ctx.exports, Object.prototype.toString.call(ctx), Object.prototype.toString.call(globalThis), Object.prototype.toString.call(performance)];`)).toEqual([
      {}, "object", "[object ExecutionContext]", "[object ServiceWorkerGlobalScope]", "[object Performance]",
    ]);
  });

  it("reportError logs the error as uncaught and throws nothing", async () => {
    const { log, lines } = captureLog(LogLevel.ERROR);
    const mf = cores.create({ modules: true, log, script: jsonWorker(`reportError(new RangeError("reported")); return "after";`) });
    expect(await (await mf.dispatchFetch()).json()).toBe("after");
    await waitFor(() => lines.some((line) => line.includes("reported")));
    expect(lines.find((line) => line.includes("reported"))).toMatch(/Uncaught RangeError: reported/);
  });
});
