import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { connect, serve, useWorker } from "./sandbox.js";

const packageDir = fileURLToPath(new URL("..", import.meta.url));

describe("README", () => {
  it("shows the example that test/fixtures/readme-example.mjs runs", async () => {
    const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
    const fixture = await readFile(new URL("./fixtures/readme-example.mjs", import.meta.url), "utf8");
    expect(/```js\n([\s\S]*?)```/.exec(readme)?.[1]).toBe(fixture);
  });

  it("the example runs under plain node against the built packages and prints 2", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["test/fixtures/readme-example.mjs"], {
      cwd: packageDir,
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    expect(stdout).toBe("2\n");
  });
});

describe("README: the Hibernation API example", () => {
  it("runs: a broadcast, an auto-response, and the handler's Close reply", async () => {
    const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
    const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((match) => match[1]!);
    const example = blocks.find((block) => block.includes("export class ChatRoom"))!;
    const script = `import { DurableObject } from "cloudflare:workers";\n${example}
      export default { fetch: (request, env) => env.ROOMS.getByName("room").fetch(request) };`;
    const { mf } = await useWorker(script, { durableObjects: { ROOMS: "ChatRoom" } });
    const url = await serve(mf);
    const ann = await connect(`${url}/?user=ann`);
    const bob = await connect(`${url}/?user=bob`);
    ann.ws.send("hi all");
    expect([await ann.next(), await bob.next()]).toEqual(["hi all", "hi all"]);
    bob.ws.send("ping");
    expect(await bob.next()).toBe("pong");
    ann.ws.close(1000, "bye");
    expect(await ann.closed).toEqual({ code: 1000, reason: "bye" });
  });
});
