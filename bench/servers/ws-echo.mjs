/**
 * The WebSocket baseline: a raw `ws` echo server, as a Node developer would write one by hand (no
 * compression, as flarelet and the runtime without `web_socket_compression`). It echoes each message back
 * as it came (text as text, binary as binary), and prints the line the bench waits for.
 *
 *     node servers/ws-echo.mjs [port]
 */
import { WebSocketServer } from "ws";

const port = Number(process.argv[2] ?? 0);
const wss = new WebSocketServer({ host: "127.0.0.1", port, perMessageDeflate: false });
wss.on("connection", (ws) => {
  ws.on("error", () => {}); // a client that vanishes is not the server's problem
  ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
});
wss.on("listening", () => {
  console.log(`Listening on http://127.0.0.1:${wss.address().port}`);
});
process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
