/**
 * The built package (dist/index.js) under plain `node`, with no flags: the seed page's dispatchFetch
 * example as a standalone .mjs file, with only the import pointed at dist.
 */
import { execFile } from "node:child_process";
import { copyFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, childEnv, DIST_INDEX, ECHO_WORKER, readmeBlock, useTempDir, WAIT_MS } from "./helpers.js";

const tmp = useTempDir();
beforeAll(assertBuilt);

/** The seed page's example, word for word, with `miniflare` changed to `flarelet`. */
const SEED_EXAMPLE = `import { Miniflare } from "flarelet";
const mf = new Miniflare({
  modules: true,
  scriptPath: "echo.mjs",
});
const res = await mf.dispatchFetch();
const webSocket = res.webSocket;
webSocket.accept();
webSocket.addEventListener("message", (event) => {
  console.log(event.data);
});
webSocket.send("Hello!"); // Above listener logs "Hello!"
`;

function node(args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd, env: childEnv(), timeout: WAIT_MS }, (error, stdout, stderr) => {
      if (error) reject(new Error(`node exited with ${String(error.code)}: ${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

describe("flarelet dist under plain node", () => {
  it("runs the seed page's dispatchFetch example (as the README shows it): it prints Hello!", async () => {
    expect(await readmeBlock("seed-dispatch")).toBe(SEED_EXAMPLE);
    await copyFile(ECHO_WORKER, path.join(tmp.path, "echo.mjs"));
    const program = SEED_EXAMPLE.replace(`from "flarelet"`, `from ${JSON.stringify(pathToFileURL(DIST_INDEX).href)}`);
    expect(program).not.toBe(SEED_EXAMPLE);
    await tmp.write("example.mjs", program);
    const { stdout, stderr } = await node(["example.mjs"], tmp.path);
    expect(stdout).toBe("Hello!\n");
    expect(stderr).toBe("");
  });

  it("exports what SPEC.md lists", async () => {
    const code = `import(${JSON.stringify(pathToFileURL(DIST_INDEX).href)}).then((m) => console.log(JSON.stringify(Object.keys(m).sort())))`;
    const { stdout } = await node(["-e", code], tmp.path);
    expect(JSON.parse(stdout)).toEqual(
      expect.arrayContaining([
        "Miniflare", "Log", "LogLevel", "NoOpLog", "Request", "Response", "WebSocket", "WebSocketPair", "createServer", "startServer",
        "MiniflareCore", "FlareletError", "definePlugin", "webSocketsPlugin", "httpServerPlugin",
      ]),
    );
  });
});
