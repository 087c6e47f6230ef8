/**
 * Stacks as the user sees them (src/stack-traces.ts): a bundled worker's frames name the original .ts file,
 * line and column, in the dispatchFetch rejection and in the log, without flarelet's own frames.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { formatError, LogLevel } from "@flarelet/core";
import { captureLog, rejectionOf, useCore, useTempDir } from "./helpers.js";

const cores = useCore();
const tmp = useTempDir();

const INDEX = `import { helper } from "./helper";
interface Env { NAME: string }

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    await Promise.resolve();
    return helper(env.NAME);
  },
};
`;
const HELPER = `// line 1
export function helper(name: string): Response {
  throw new Error("boom in " + name);
}
`;

describe("source-mapped stacks", () => {
  it("name src/*.ts file:line:column in the dispatchFetch rejection, without flarelet's frames", async () => {
    await tmp.write("src/index.ts", INDEX);
    await tmp.write("src/helper.ts", HELPER);
    const mf = cores.create({ rootPath: tmp.path, scriptPath: "src/index.ts", bindings: { NAME: "flarelet" } });
    const error = (await rejectionOf(mf.dispatchFetch())) as Error;
    expect(error.message).toBe("boom in flarelet");
    const stack = String(error.stack);
    expect(stack).toContain(`${path.join(tmp.path, "src/helper.ts")}:3:9`);
    expect(stack).toContain(`${path.join(tmp.path, "src/index.ts")}:7:12`);
    expect(stack).not.toContain(".flarelet");
    expect(stack).not.toMatch(/node:internal|packages\/core/);
  });

  it("are mapped in the log too; at debug level flarelet's frames stay", async () => {
    await tmp.write("src/index.ts", `export default {\n  fetch(): Response {\n    throw new TypeError("typed");\n  },\n};\n`);
    const mf = cores.create({ rootPath: tmp.path, scriptPath: "src/index.ts" });
    const error = await rejectionOf(mf.dispatchFetch());
    const { log, lines } = captureLog(LogLevel.INFO);
    log.error(error);
    expect(lines.join("\n")).toContain(`${path.join(tmp.path, "src/index.ts")}:3:11`);
    const debug = formatError(error, true);
    expect(debug).toContain("src/index.ts:3:11");
    expect(debug).toMatch(/dispatch\.ts/);
    expect(lines.join("\n")).not.toMatch(/dispatch\.ts/);
  });

  it("leave a stack with no worker frame whole (flarelet's own errors)", () => {
    const error = new Error("ours");
    expect(formatError(error)).toBe(error.stack);
  });
});
