/**
 * examples/hono-app, run as the repository's README says (`pnpm flarelet examples/hono-app` runs this very
 * command): a TypeScript Hono app with npm dependencies, wrangler.jsonc and .dev.vars, its WebSocket route
 * with a real `ws` client, and an error thrown in src/index.ts shown at its line in the log and on the page.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, connect, REPO, spawnCli } from "./helpers.js";

const APP = path.join(REPO, "examples/hono-app");
beforeAll(assertBuilt);

describe("examples/hono-app", () => {
  it("serves the Hono routes, with vars and .dev.vars, and its WebSocket route echoes", async () => {
    const cli = spawnCli(["examples/hono-app", "--port", "0"], { cwd: REPO });
    const url = await cli.url();
    expect(await (await fetch(url)).text()).toBe("Hello from Hono on flarelet!");
    expect(await (await fetch(`${url}/api/hello/reader`)).json()).toEqual({ message: "Hello, reader!", tokenSet: true });
    expect(cli.stdout).toMatch(/env\.API_TOKEN \("\(hidden\)"\)\s+Environment Variable/);

    const client = await connect(`${url}/ws`);
    client.ws.send("over a real socket");
    expect(await client.nextMessage()).toBe("echo: over a real socket");
  });

  it("shows an error thrown in src/index.ts at its line, in the log and on the error page", async () => {
    const source = await readFile(path.join(APP, "src/index.ts"), "utf8");
    const line = source.split("\n").findIndex((text) => text.includes('throw new Error("Boom')) + 1;
    expect(line).toBeGreaterThan(0);
    const cli = spawnCli(["examples/hono-app", "--port", "0"], { cwd: REPO });
    const url = await cli.url();
    const page = await (await fetch(`${url}/boom`, { headers: { Accept: "text/html" } })).text();
    const location = `${path.join(APP, "src/index.ts")}:${line}:`;
    expect(page).toContain("the worker threw");
    expect(page).toContain(location);
    expect(page).toMatch(new RegExp(`<mark>\\s*${line} \\|\\s+throw new Error`));
    await cli.waitFor(/GET \/boom: Error: Boom from the Hono app/);
    expect(cli.stderr).toContain(location);
    expect(cli.stderr).not.toContain(".flarelet/");
  });
});
