/**
 * The vitest case's projects, written into a folder per run:
 *
 * - "workers": a worker (fetch, a WebSocket echo, a Durable Object counter) and 20 test files written for
 *   `@cloudflare/vitest-pool-workers` — 5 integration (SELF.fetch), 5 unit (worker.fetch(request, env,
 *   ctx)), 5 Durable Object (RPC, runInDurableObject), 5 WebSocket (an upgrade through SELF) — 3 tests each.
 *   The same files run under `@flarelet/vitest` and, with --anchors, under vitest-pool-workers: only the
 *   import in vitest.config.mjs differs.
 * - "floor": plain vitest, 20 files of 3 trivial tests each: what vitest itself costs for as many files
 *   and tests with per-file isolation, the figure flarelet's is divided by.
 */
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";

export const FILES_PER_KIND = 5;
export const TESTS_PER_FILE = 3;
export const KINDS = ["integration", "unit", "durable-object", "websocket"];
export const TEST_FILES = KINDS.length * FILES_PER_KIND;

const WRANGLER = `name = "bench"
main = "src/index.ts"
compatibility_date = "2025-09-01"

[vars]
GREETING = "Hello"

[[durable_objects.bindings]]
name = "COUNTER"
class_name = "Counter"

[[migrations]]
tag = "v1"
new_sqlite_classes = ["Counter"]
`;

const WORKER = `import { DurableObject } from "cloudflare:workers";

interface Env {
  GREETING: string;
  COUNTER: DurableObjectNamespace<Counter>;
}

export class Counter extends DurableObject<Env> {
  async increment(by = 1): Promise<number> {
    const count = ((await this.ctx.storage.get<number>("count")) ?? 0) + by;
    await this.ctx.storage.put("count", count);
    return count;
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/ws") {
      const [client, server] = Object.values(new WebSocketPair());
      server.accept();
      server.addEventListener("message", (event) => server.send(\`echo:\${event.data}\`));
      return new Response(null, { status: 101, webSocket: client });
    }
    if (url.pathname.startsWith("/count/")) {
      const count = await env.COUNTER.getByName(url.pathname.slice(7)).increment();
      return Response.json({ count });
    }
    return new Response(\`\${env.GREETING}, \${url.pathname}\`);
  },
} satisfies ExportedHandler<Env>;
`;

/** One test file of `kind`, number `n`: three small tests. */
function testFile(kind, n) {
  const tests = Array.from({ length: TESTS_PER_FILE }, (_, index) => index + 1);
  switch (kind) {
    case "integration":
      return `import { SELF } from "cloudflare:test";
import { expect, it } from "vitest";
${tests.map((t) => `
it("answers /page-${n}-${t} through SELF", async () => {
  const response = await SELF.fetch("https://example.com/page-${n}-${t}");
  expect(await response.text()).toBe("Hello, /page-${n}-${t}");
});`).join("\n")}
`;
    case "unit":
      return `import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { expect, it } from "vitest";
import worker from "../src/index";
${tests.map((t) => `
it("handles /unit-${n}-${t} when called directly", async () => {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request("https://example.com/unit-${n}-${t}"), env, ctx);
  await waitOnExecutionContext(ctx);
  expect(await response.text()).toBe("Hello, /unit-${n}-${t}");
});`).join("\n")}
`;
    case "durable-object":
      return `import { env, runInDurableObject, SELF } from "cloudflare:test";
import { expect, it } from "vitest";
import { Counter } from "../src/index";

it("counts through RPC", async () => {
  const stub = env.COUNTER.getByName("rpc-${n}");
  expect(await stub.increment()).toBe(1);
  expect(await stub.increment(2)).toBe(3);
});

it("counts through the worker", async () => {
  await SELF.fetch("https://example.com/count/worker-${n}");
  const response = await SELF.fetch("https://example.com/count/worker-${n}");
  expect(await response.json()).toEqual({ count: 2 });
});

it("reads the object's storage from inside it", async () => {
  const stub = env.COUNTER.getByName("inside-${n}");
  await stub.increment(5);
  const stored = await runInDurableObject(stub, async (instance: Counter, state) => {
    expect(instance).toBeInstanceOf(Counter);
    return state.storage.get("count");
  });
  expect(stored).toBe(5);
});
`;
    case "websocket":
      return `import { SELF } from "cloudflare:test";
import { expect, it } from "vitest";

async function open(): Promise<WebSocket> {
  const response = await SELF.fetch("https://example.com/ws", { headers: { Upgrade: "websocket" } });
  expect(response.status).toBe(101);
  const socket = response.webSocket!;
  socket.accept();
  return socket;
}

function next(socket: WebSocket): Promise<unknown> {
  return new Promise((resolve) => socket.addEventListener("message", (event) => resolve(event.data), { once: true }));
}
${tests.map((t) => `
it("echoes message ${t} of file ${n}", async () => {
  const socket = await open();
  const reply = next(socket);
  socket.send("m-${n}-${t}");
  expect(await reply).toBe("echo:m-${n}-${t}");
  socket.close(1000, "done");
});`).join("\n")}
`;
    default:
      throw new Error(`unknown kind ${kind}`);
  }
}

function floorFile(n) {
  return `import { expect, it } from "vitest";
${Array.from({ length: TESTS_PER_FILE }, (_, index) => `
it("trivial ${n}-${index + 1}", () => {
  expect(${n} + ${index + 1}).toBe(${n + index + 1});
});`).join("\n")}
`;
}

function write(root, relative, text) {
  const file = path.join(root, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

/**
 * Writes the workers project into `root`, with `vitest.config.mjs` importing `cloudflareTest` from
 * `pluginSpecifier`, and `node_modules` a link to `nodeModules` (where vitest and the plugin are installed).
 */
export function writeWorkersProject(root, { pluginSpecifier, nodeModules }) {
  write(root, "wrangler.toml", WRANGLER);
  write(root, "src/index.ts", WORKER);
  write(
    root,
    "vitest.config.mjs",
    `import { cloudflareTest } from ${JSON.stringify(pluginSpecifier)};\n\nexport default { plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" } })] };\n`,
  );
  for (const kind of KINDS) {
    for (let n = 1; n <= FILES_PER_KIND; n++) write(root, `test/${kind}-${n}.test.ts`, testFile(kind, n));
  }
  symlinkSync(nodeModules, path.join(root, "node_modules"), "dir");
}

/** Writes the plain vitest project (the floor) into `root`. */
export function writeFloorProject(root, { nodeModules }) {
  write(root, "vitest.config.mjs", "export default {};\n");
  for (let n = 1; n <= TEST_FILES; n++) write(root, `test/trivial-${n}.test.ts`, floorFile(n));
  symlinkSync(nodeModules, path.join(root, "node_modules"), "dir");
}
