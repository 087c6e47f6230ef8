/** README.md shows the files that the fixture run (vitest-pool-workers-style.spec.ts) runs, word for word. */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";

async function block(marker: string): Promise<string | undefined> {
  const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
  const start = readme.indexOf(`<!-- ${marker}`);
  if (start === -1) return undefined;
  return /```ts\n([\s\S]*?)```/.exec(readme.slice(start))?.[1];
}

describe("README.md", () => {
  it.each([
    ["readme-config", "./fixtures/basic/vitest.config.ts"],
    ["readme-test", "./fixtures/basic/test/readme.test.ts"],
  ])("the %s block is %s", async (marker, file) => {
    expect(await block(marker)).toBe(await readFile(new URL(file, import.meta.url), "utf8"));
  });
});
