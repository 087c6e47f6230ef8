/**
 * The HTTP baseline: a bare `node:http` server answering "Hello World!" to every request, with the same
 * Content-Type that `new Response("Hello World!")` carries. It prints the line the bench waits for.
 *
 *     node servers/http-hello.mjs [port]
 */
import http from "node:http";

const port = Number(process.argv[2] ?? 0);
const server = http.createServer((req, res) => {
  res.writeHead(200, { "content-type": "text/plain;charset=UTF-8" });
  res.end("Hello World!");
});
server.listen(port, "127.0.0.1", () => {
  console.log(`Listening on http://127.0.0.1:${server.address().port}`);
});
process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
