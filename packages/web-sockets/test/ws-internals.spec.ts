/**
 * Pins the parts of `ws` that ws-internals.ts depends on: if an upgrade of ws changes them, these fail
 * first, with a clear name, rather than a behaviour test somewhere else.
 */
import { describe, expect, it } from "vitest";
import { WebSocket as WsClient } from "ws";
import { addMessageTooLargeReason, canWsSendCloseCode, takeOverCloseReply } from "../src/ws-internals.js";
import { closeOf, connectClient, startUpstream } from "./helpers.js";

describe("takeOverCloseReply", () => {
  it("stops ws from echoing a received Close and lets the receiver answer with its own code", async () => {
    let serverSide: WsClient | undefined;
    const frames: { code: number; reason: string }[] = [];
    const answered = new Promise<void>((resolve) => {
      void startUpstream((ws) => {
        serverSide = ws;
        takeOverCloseReply(ws, (code, reason) => {
          frames.push({ code, reason });
          // Still open for sending: a half-open connection, as in the runtime.
          ws.send("after close");
          ws.close(4002, "own answer");
          resolve();
        });
      }).then(({ url }) => connectClient(url).then((client) => {
        const messages: string[] = [];
        client.on("message", (data) => messages.push(data.toString()));
        const closed = closeOf(client);
        client.close(3000, "first");
        void closed.then((close) => frames.push({ code: close.code, reason: `${close.reason} / ${messages.join()}` }));
      }));
    });
    await answered;
    await new Promise<void>((resolve) => serverSide!.once("close", () => resolve()));
    while (frames.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(frames).toEqual([
      { code: 3000, reason: "first" },
      { code: 4002, reason: "own answer / after close" },
    ]);
  });
});

describe("addMessageTooLargeReason", () => {
  it("adds the runtime's reason to ws's 1009 close", async () => {
    const errors: string[] = [];
    const { url } = await startUpstream(
      (ws) => {
        addMessageTooLargeReason(ws);
        ws.on("error", (error: Error & { code?: string }) => errors.push(String(error.code)));
      },
      { maxPayload: 100 },
    );
    const client = await connectClient(url);
    const closed = closeOf(client);
    client.send(Buffer.alloc(101));
    expect(await closed).toEqual({ code: 1009, reason: "Message is too large: 101 > 100" });
    // ws still reports the error to its listeners, once.
    expect(errors).toEqual(["WS_ERR_UNSUPPORTED_MESSAGE_LENGTH"]);
  });

  it("reports a fragmented message's frame against the remaining budget, as kj does", async () => {
    const { url } = await startUpstream(
      (ws) => {
        addMessageTooLargeReason(ws);
        ws.on("error", () => {});
      },
      { maxPayload: 100 },
    );
    const client = await connectClient(url);
    const closed = closeOf(client);
    client.send(Buffer.alloc(60), { fin: false });
    client.send(Buffer.alloc(60), { fin: true });
    expect(await closed).toEqual({ code: 1009, reason: "Message is too large: 60 > 40" });
  });
});

describe("canWsSendCloseCode", () => {
  it.each([
    [1000, true],
    [1011, true],
    [1012, true],
    [1014, true],
    [1015, false],
    [1016, false],
    [2999, false],
    [3000, true],
    [4999, true],
  ])("%s → %s", (code, expected) => expect(canWsSendCloseCode(code)).toBe(expected));
});
