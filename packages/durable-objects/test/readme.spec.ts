import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

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
