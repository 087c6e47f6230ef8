/**
 * examples/chat, run as its README says (`pnpm flarelet examples/chat` runs this very command): the page,
 * and the ChatRoom's WebSocket protocol with real `ws` clients (the browser side is examples/chat/test,
 * a step of .ci/run).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, connect, REPO, spawnCli } from "./helpers.js";

beforeAll(assertBuilt);

describe("examples/chat", () => {
  it("serves the page, and a room: history, broadcast with the sender's name, the ping auto-response, the Close reply", async () => {
    const cli = spawnCli(["examples/chat", "--port", "0"], { cwd: REPO });
    const url = await cli.url();
    const page = await fetch(url);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await page.text()).toContain("<title>flarelet chat</title>");
    expect((await fetch(`${url}/room/lobby`)).status).toBe(426);
    expect((await fetch(`${url}/elsewhere`)).status).toBe(404);

    const ann = await connect(`${url}/room/lobby?user=Ann`);
    expect(JSON.parse(String(await ann.nextMessage()))).toEqual({ type: "history", messages: [] });
    expect(JSON.parse(String(await ann.nextMessage()))).toEqual({ type: "join", user: "Ann", online: ["Ann"] });
    const bob = await connect(`${url}/room/lobby?user=Bob`);
    expect(JSON.parse(String(await bob.nextMessage()))).toEqual({ type: "history", messages: [] });
    expect(JSON.parse(String(await ann.nextMessage()))).toMatchObject({ type: "join", user: "Bob", online: ["Ann", "Bob"] });
    await bob.nextMessage(); // Bob's own join

    ann.ws.send(JSON.stringify({ text: "hello" }));
    expect(JSON.parse(String(await bob.nextMessage()))).toMatchObject({ type: "message", user: "Ann", text: "hello" });
    expect(JSON.parse(String(await ann.nextMessage()))).toMatchObject({ type: "message", user: "Ann", text: "hello" });
    bob.ws.send("ping");
    expect(String(await bob.nextMessage())).toBe("pong");

    bob.ws.close(1000, "leaving");
    expect(await bob.closed()).toEqual({ code: 1000, reason: "leaving" });
    expect(JSON.parse(String(await ann.nextMessage()))).toEqual({ type: "leave", user: "Bob", online: ["Ann"] });

    const later = await connect(`${url}/room/lobby?user=Cy`);
    expect(JSON.parse(String(await later.nextMessage()))).toMatchObject({ type: "history", messages: [{ user: "Ann", text: "hello" }] });
  });
});
