/**
 * The repository's examples, served by the `flarelet` command from dist/ as their READMEs say.
 */
import { cp } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, REPO, spawnCli, useTempDir } from "./helpers.js";

const tmp = useTempDir();
beforeAll(assertBuilt);

describe("examples/counter-do", () => {
  it("counts per name over RPC, keeps history in SQL, and keeps both across a restart with --do-persist", async () => {
    // A copy, so that the persisted storage does not land in the repository.
    await cp(path.join(REPO, "examples/counter-do"), tmp.path, { recursive: true });
    const args = ["--port", "0", "--do-persist"];
    const first = spawnCli(args, { cwd: tmp.path });
    let url = await first.url();
    expect(await (await fetch(`${url}/alice/increment`)).json()).toEqual({ name: "alice", value: 1 });
    expect(await (await fetch(`${url}/alice/increment`)).json()).toEqual({ name: "alice", value: 2 });
    expect(await (await fetch(`${url}/bob/increment`)).json()).toEqual({ name: "bob", value: 1 });
    process.kill(first.child.pid!, "SIGINT");
    await first.exited();

    const second = spawnCli(args, { cwd: tmp.path });
    url = await second.url();
    expect(await (await fetch(`${url}/alice`)).json()).toEqual({ name: "alice", value: 2 });
    expect(await (await fetch(`${url}/alice/history`)).json()).toEqual({ name: "alice", history: [1, 2] });
  });
});
