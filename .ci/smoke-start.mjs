// Smoke test of the README's main command: `pnpm start` must serve the echo worker on
// http://127.0.0.1:8787 so that a newcomer can open a WebSocket to it at once. Starts it in a process
// group of its own, echoes one text and one binary message, then stops that group (and nothing else).
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createRequire } from "node:module";

const require = createRequire(new URL("../packages/web-sockets/package.json", import.meta.url));
const { WebSocket } = require("ws");
const root = new URL("..", import.meta.url);
const deadline = Date.now() + 120_000;

const child = spawn("pnpm", ["start"], { cwd: root, detached: true, stdio: ["ignore", "pipe", "pipe"] });
let output = "";
child.stdout.on("data", (chunk) => (output += chunk));
child.stderr.on("data", (chunk) => (output += chunk));
const stop = () => {
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {}
};

try {
  while (!output.includes("127.0.0.1:8787")) {
    if (child.exitCode !== null) throw new Error(`pnpm start exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error("pnpm start did not print its URL within 2 minutes");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const ws = new WebSocket("ws://127.0.0.1:8787");
  await once(ws, "open");
  ws.send("Hello!");
  const [text] = await once(ws, "message");
  ws.send(Buffer.from([1, 2, 3]));
  const [binary, isBinary] = await once(ws, "message");
  ws.close(1000);
  if (String(text) !== "Hello!") throw new Error(`echo answered ${String(text)}`);
  if (!isBinary || Buffer.compare(binary, Buffer.from([1, 2, 3])) !== 0) throw new Error("binary echo differs");
  const page = await fetch("http://127.0.0.1:8787/");
  console.log(`pnpm start: WebSocket echo works (text and binary); GET / answered ${page.status}`);
  stop();
  const [code, signal] = await once(child, "exit");
  console.log(`pnpm start stopped (${signal ?? code})`);
} catch (error) {
  console.error(output);
  console.error(`smoke test of pnpm start failed: ${error.message}`);
  stop();
  process.exitCode = 1;
}
