/**
 * The Durable Object benchmark's baseline: a raw `ws` server holding one room, which sends each message it
 * receives to every client (the sender's included), as a Node developer would write it by hand.
 *
 *     node servers/ws-room.mjs [port]
 */
import { WebSocketServer } from "ws";

const port = Number(process.argv[2] ?? 0);
const wss = new WebSocketServer({ host: "127.0.0.1", port, perMessageDeflate: false });
const room = new Set();
wss.on("connection", (ws) => {
  room.add(ws);
  ws.on("error", () => {});
  ws.on("message", (data, isBinary) => {
    for (const member of room) member.send(data, { binary: isBinary });
  });
  ws.on("close", () => room.delete(ws));
});
wss.on("listening", () => {
  console.log(`Listening on http://127.0.0.1:${wss.address().port}`);
});
process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
