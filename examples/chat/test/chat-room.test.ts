// The chat's own tests with @flarelet/vitest: the ChatRoom Durable Object through the worker (SELF, WebSocket
// upgrades), from inside (runInDurableObject: its storage), across an eviction (the Hibernation API keeps the
// sockets and their attachments), and the worker's routes called directly (unit style).
import { env, evictDurableObject, runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../src/index.js";
import { ChatRoom } from "../src/chat-room.js";

type ServerEvent = { type: "history"; messages: ChatMessage[] } | ({ type: "message" } & ChatMessage) | { type: "join" | "leave"; user: string; online: string[] };
interface ChatMessage {
  user: string;
  text: string;
  at: number;
}

/** A user's tab: its socket, and what it received, in order. */
interface Tab {
  socket: WorkersWebSocket;
  /** The next frame, as text ("pong") or parsed JSON (a ServerEvent). */
  next(): Promise<unknown>;
  say(text: string): void;
  closed: Promise<CloseEvent>;
}

async function join(room: string, user: string): Promise<Tab> {
  const response = await SELF.fetch(`http://chat.test/room/${room}?user=${user}`, { headers: { Upgrade: "websocket" } });
  expect(response.status).toBe(101);
  const socket = response.webSocket!;
  const received: unknown[] = [];
  const waiting: ((frame: unknown) => void)[] = [];
  socket.addEventListener("message", (event: MessageEvent) => {
    const frame = event.data === "pong" ? "pong" : (JSON.parse(event.data as string) as unknown);
    const waiter = waiting.shift();
    if (waiter === undefined) received.push(frame);
    else waiter(frame);
  });
  const closed = new Promise<CloseEvent>((resolve) => socket.addEventListener("close", resolve as (event: Event) => void, { once: true }));
  socket.accept();
  return {
    socket,
    next: () => (received.length > 0 ? Promise.resolve(received.shift()) : new Promise((resolve) => waiting.push(resolve))),
    say: (text) => socket.send(JSON.stringify({ text })),
    closed,
  };
}

const history = (room: string) =>
  runInDurableObject(env.ROOMS.getByName(room), (_: ChatRoom, state) => state.storage.get<ChatMessage[]>("history"));

describe("ChatRoom", () => {
  it("gives a newcomer the history, and tells everyone who joined", async () => {
    const ann = await join("lobby", "Ann");
    expect(await ann.next()).toEqual({ type: "history", messages: [] });
    expect(await ann.next()).toEqual({ type: "join", user: "Ann", online: ["Ann"] });
    const bob = await join("lobby", "Bob");
    expect(await bob.next()).toEqual({ type: "history", messages: [] });
    expect(await bob.next()).toEqual({ type: "join", user: "Bob", online: ["Ann", "Bob"] });
    expect(await ann.next()).toEqual({ type: "join", user: "Bob", online: ["Ann", "Bob"] });
  });

  it("sends a message to everyone in the room with its author's name, and keeps it in storage", async () => {
    const ann = await join("kitchen", "Ann");
    const bob = await join("kitchen", "Bob");
    for (const tab of [ann, ann, bob, bob]) await tab.next(); // history, joins
    await ann.next(); // Bob's join
    ann.say("hello");
    const heard = await bob.next();
    expect(heard).toEqual({ type: "message", user: "Ann", text: "hello", at: expect.any(Number) });
    expect(await ann.next()).toEqual(heard);
    expect(await history("kitchen")).toEqual([{ user: "Ann", text: "hello", at: (heard as ChatMessage).at }]);
    // Another room knows nothing of it.
    expect(await history("garden")).toBeUndefined();
  });

  it("ignores frames that are not a chat message, and cuts long text to 1000 characters", async () => {
    const ann = await join("notes", "Ann");
    await ann.next();
    await ann.next();
    ann.socket.send("not JSON");
    ann.socket.send(JSON.stringify({ text: "   " }));
    ann.socket.send(JSON.stringify({ nothing: true }));
    ann.socket.send(new Uint8Array([1, 2, 3]));
    ann.say("x".repeat(1500));
    const message = (await ann.next()) as ChatMessage;
    expect(message.text).toBe("x".repeat(1000));
    expect(await history("notes")).toHaveLength(1);
  });

  it("keeps the last 100 messages, and a newcomer receives them", async () => {
    const old = Array.from({ length: 100 }, (_, index) => ({ user: "Old", text: `#${index}`, at: index }));
    await runInDurableObject(env.ROOMS.getByName("busy"), (_: ChatRoom, state) => state.storage.put("history", old));
    const ann = await join("busy", "Ann");
    expect(await ann.next()).toEqual({ type: "history", messages: old });
    await ann.next();
    ann.say("newest");
    await ann.next();
    const kept = (await history("busy"))!;
    expect(kept).toHaveLength(100);
    expect(kept[0]!.text).toBe("#1");
    expect(kept.at(-1)).toMatchObject({ user: "Ann", text: "newest" });
  });

  it("keeps its sockets through an eviction: the next message wakes a new instance that still knows the author", async () => {
    const stub = env.ROOMS.getByName("sleepy");
    const ann = await join("sleepy", "Ann");
    await ann.next();
    await ann.next();
    const before = await runInDurableObject(stub, (room: ChatRoom) => room);
    expect(before).toBeInstanceOf(ChatRoom);
    await evictDurableObject(stub);
    // The heartbeat is answered whether the room is in memory or not.
    ann.socket.send("ping");
    expect(await ann.next()).toBe("pong");
    ann.say("still me?");
    expect(await ann.next()).toMatchObject({ type: "message", user: "Ann", text: "still me?" });
    const after = await runInDurableObject(stub, (room: ChatRoom) => room);
    expect(after).toBeInstanceOf(ChatRoom);
    expect(after).not.toBe(before);
  });

  it("answers a tab's Close, and announces a user's leaving only when their last tab goes", async () => {
    const first = await join("hall", "Ann");
    const second = await join("hall", "Ann");
    const bob = await join("hall", "Bob");
    await bob.next(); // history
    await bob.next(); // Bob's join (Ann's second tab did not announce her again)
    first.socket.close(1000, "closing one tab");
    const reply = await first.closed;
    expect([reply.code, reply.reason]).toEqual([1000, "closing one tab"]);
    second.socket.close(1001);
    expect((await second.closed).reason).toBe("Bye");
    // Bob's next event is the leave after the second tab: the first tab's Close announced nothing.
    expect(await bob.next()).toEqual({ type: "leave", user: "Ann", online: ["Bob"] });
  });
});

describe("the worker", () => {
  it("serves the page, and refuses what is not a room's WebSocket (unit style)", async () => {
    const page = await worker.fetch(new Request("http://chat.test/"), env);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await page.text()).toContain("<html");
    expect((await worker.fetch(new Request("http://chat.test/nowhere"), env)).status).toBe(404);
    expect((await worker.fetch(new Request("http://chat.test/room/lobby?user=Ann"), env)).status).toBe(426);
    const anonymous = await worker.fetch(new Request("http://chat.test/room/lobby", { headers: { Upgrade: "websocket" } }), env);
    expect([anonymous.status, await anonymous.text()]).toEqual([400, "Say who you are: ?user=<name>\n"]);
  });
});
