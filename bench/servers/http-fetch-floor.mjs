/**
 * The floor of any Workers simulator on Node: a bare `node:http` server that does only what every one
 * must do per request, with Node's own fetch classes (undici): build a `Request` (URL, method, headers),
 * call the worker's `fetch` (here it answers `new Response("Hello World!")`), read the Response's body
 * stream, and write status, headers and body. No request log, no `cf`, no validation: what is left when a
 * simulator does nothing else. Its ratio to the bare `node:http` server is the best a simulator on this
 * Node version can reach while it uses these classes.
 *
 *     node servers/http-fetch-floor.mjs [port]
 */
import http from "node:http";

const worker = { fetch: () => new Response("Hello World!") };

const server = http.createServer(async (req, res) => {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let index = 0; index < raw.length; index += 2) headers.append(raw[index], raw[index + 1]);
  const request = new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers });
  const response = await worker.fetch(request);
  const chunks = [];
  if (response.body !== null) {
    const reader = response.body.getReader();
    for (let result = await reader.read(); !result.done; result = await reader.read()) chunks.push(result.value);
  }
  const out = {};
  for (const [name, value] of response.headers) out[name] = value;
  res.writeHead(response.status, out);
  res.end(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
});
const port = Number(process.argv[2] ?? 0);
server.listen(port, "127.0.0.1", () => {
  console.log(`Listening on http://127.0.0.1:${server.address().port}`);
});
process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
