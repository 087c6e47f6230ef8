/** Request, Response, Headers, bodies and URLs as a worker builds and reads them. */
import { expression, statements } from "../src/define.mjs";

const STATUS_TEXTS = [200, 201, 204, 299, 301, 404, 418, 500, 503, 599];
const METHODS = ["get", "patch", "delete", "options", "FOO", "CONNECT", "TRACE", "bad method"];

export default [
  // Response
  ...STATUS_TEXTS.map((status) => ({
    name: `Response: default statusText of ${status}`,
    run: expression(`new Response(null, { status: ${status} }).statusText`),
  })),
  { name: "Response: status 199 is refused", run: expression("errorOf(() => new Response(null, { status: 199 }))") },
  { name: "Response: status 600 is refused", run: expression("errorOf(() => new Response(null, { status: 600 }))") },
  { name: "Response: status 101 without a WebSocket", run: expression("errorOf(() => new Response(null, { status: 101 }))") },
  { name: "Response: a body with status 204", run: expression("errorOf(() => new Response('x', { status: 204 }))") },
  { name: "Response: an empty body with status 204", run: expression("errorOf(() => new Response('', { status: 204 }))") },
  { name: "Response: a body with status 304", run: expression("errorOf(() => new Response('x', { status: 304 }))") },
  { name: "Response: null body of a 204", run: statements("const r = new Response(null, { status: 204 }); return [r.body, await r.text()];") },
  { name: "Response: statusText with a line break", run: expression("errorOf(() => new Response(null, { statusText: 'a\\nb' }))") },
  { name: "Response: custom statusText", run: expression("new Response(null, { status: 200, statusText: 'Fine' }).statusText") },
  { name: "Response: defaults", run: statements(
    "const r = new Response(); return { status: r.status, ok: r.ok, type: r.type, url: r.url, redirected: r.redirected, bodyUsed: r.bodyUsed, body: r.body, webSocket: r.webSocket, headers: [...r.headers] };") },
  { name: "Response: cf on a Response", run: expression("new Response('', { cf: { cacheTtl: 5 } }).cf") },
  { name: "Response: cf of a plain Response", run: expression("new Response('').cf") },
  { name: "Response: json of undefined", run: expression("attempt(async () => { const r = Response.json(undefined); return [r.status, [...r.headers], await r.text()]; })") },
  { name: "Response: json of an object", run: statements("const r = Response.json({ a: 1 }, { status: 201 }); return [r.status, r.statusText, [...r.headers], await r.text()];") },
  { name: "Response: json of a BigInt", run: expression("errorOf(() => Response.json(1n))") },
  { name: "Response: json with a content-type of its own", run: statements("const r = Response.json(1, { headers: { 'content-type': 'text/x' } }); return [...r.headers];") },
  { name: "Response: redirect", run: statements("const r = Response.redirect('https://example.com/a'); return [r.status, r.statusText, [...r.headers]];") },
  { name: "Response: redirect with 307", run: expression("Response.redirect('https://example.com/', 307).status") },
  { name: "Response: redirect with status 200", run: expression("errorOf(() => Response.redirect('https://example.com/', 200))") },
  { name: "Response: redirect to a relative URL", run: expression("errorOf(() => Response.redirect('/relative'))") },
  { name: "Response: redirect headers are immutable", run: expression("errorOf(() => Response.redirect('https://example.com/').headers.set('x', '1'))") },
  { name: "Response: error()", run: statements("const r = Response.error(); return { status: r.status, type: r.type, statusText: r.statusText, ok: r.ok };") },
  { name: "Response: error() headers are immutable", run: expression("errorOf(() => Response.error().headers.set('x', '1'))") },
  { name: "Response: content-type of a string body", run: expression("new Response('x').headers.get('content-type')") },
  { name: "Response: content-type of an ArrayBuffer body", run: expression("new Response(new ArrayBuffer(1)).headers.get('content-type')") },
  { name: "Response: content-type of a typed Blob body", run: expression("new Response(new Blob(['x'], { type: 'text/x' })).headers.get('content-type')") },
  { name: "Response: content-type of URLSearchParams", run: expression("new Response(new URLSearchParams('a=1')).headers.get('content-type')") },
  { name: "Response: content-type of FormData", run: expression("new Response(new FormData()).headers.get('content-type').split(';')[0]") },
  { name: "Response: body is a ReadableStream", run: expression("describe(new Response('x').body)") },
  { name: "Response: text() twice", run: statements("const r = new Response('x'); await r.text(); return rejectionOf(() => r.text());") },
  { name: "Response: clone after the body was read", run: statements("const r = new Response('x'); await r.text(); return errorOf(() => r.clone());") },
  { name: "Response: clone keeps status and headers", run: statements("const r = new Response('x', { status: 201, headers: { a: '1' } }).clone(); return [r.status, r.statusText, [...r.headers], await r.text()];") },
  { name: "Response: a stream body", run: expression("new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('ab')); c.close(); } })).text()") },
  { name: "Response: a stream of strings", run: expression("rejectionOf(() => new Response(new ReadableStream({ start(c) { c.enqueue('ab'); c.close(); } })).text())") },
  { name: "Response: bytes()", run: expression("typeof Response.prototype.bytes === 'function' ? new Response('ab').bytes().then(bytes) : 'missing'") },
  { name: "Response: json() of invalid JSON", run: expression("rejectionOf(() => new Response('{').json())") },
  { name: "Response: blob() type", run: expression("new Response('x', { headers: { 'content-type': 'Text/Plain' } }).blob().then((b) => [b.type, b.size])") },
  { name: "Response: called without new", run: expression("errorOf(() => Response())") },
  { name: "Response: encodeBody manual", run: expression("errorOf(() => new Response('x', { encodeBody: 'manual' }))") },
  { name: "Response: status as a string", run: expression("new Response(null, { status: '404' }).status") },
  { name: "Response: toString tag", run: expression("tag(new Response())") },

  // Request
  ...METHODS.map((method) => ({
    name: `Request: method ${JSON.stringify(method)}`,
    run: expression(`attempt(() => new Request("https://example.com/", { method: ${JSON.stringify(method)} }).method)`),
  })),
  { name: "Request: a GET with a body", run: expression("errorOf(() => new Request('https://example.com/', { body: 'x' }))") },
  { name: "Request: a HEAD with a body", run: expression("errorOf(() => new Request('https://example.com/', { method: 'HEAD', body: 'x' }))") },
  { name: "Request: a relative URL", run: expression("errorOf(() => new Request('/relative'))") },
  { name: "Request: a URL with user info", run: expression("attempt(() => new Request('https://user:pass@example.com/').url)") },
  { name: "Request: URL normalisation", run: expression("new Request('HTTPS://Example.COM:443/a/../b?x#frag').url") },
  { name: "Request: defaults", run: statements(
    "const r = new Request('https://example.com/'); return { method: r.method, redirect: r.redirect, cf: r.cf, body: r.body, bodyUsed: r.bodyUsed, headers: [...r.headers], signal: describe(r.signal), integrity: r.integrity, keepalive: r.keepalive, cache: r.cache };") },
  { name: "Request: fields workerd leaves out", run: statements(
    "const r = new Request('https://example.com/'); return ['mode', 'credentials', 'referrer', 'referrerPolicy', 'destination', 'duplex', 'fetcher'].map((k) => [k, k in r ? typeof r[k] : 'absent']);") },
  { name: "Request: redirect error is kept", run: expression("new Request('https://example.com/', { redirect: 'error' }).redirect") },
  { name: "Request: redirect with a bad value", run: expression("errorOf(() => new Request('https://example.com/', { redirect: 'bogus' }))") },
  { name: "Request: integrity", run: expression("attempt(() => new Request('https://example.com/', { integrity: 'sha256-abc' }).integrity)") },
  { name: "Request: cache no-store", run: expression("attempt(() => new Request('https://example.com/', { cache: 'no-store' }).cache)") },
  { name: "Request: cache no-cache", run: expression("attempt(() => new Request('https://example.com/', { cache: 'no-cache' }).cache)") },
  { name: "Request: cache default", run: expression("attempt(() => new Request('https://example.com/', { cache: 'default' }).cache)") },
  { name: "Request: mode cors", run: expression("attempt(() => new Request('https://example.com/', { mode: 'cors' }).mode)") },
  { name: "Request: credentials include", run: expression("attempt(() => new Request('https://example.com/', { credentials: 'include' }).credentials)") },
  { name: "Request: cf is kept", run: expression("new Request('https://example.com/', { cf: { cacheTtl: 1 } }).cf") },
  { name: "Request: cf survives new Request(request)", run: expression("new Request(new Request('https://example.com/', { cf: { a: 1 } })).cf") },
  { name: "Request: content-type of a string body", run: expression("new Request('https://example.com/', { method: 'POST', body: 'x' }).headers.get('content-type')") },
  { name: "Request: a stream body without duplex", run: expression(
    "attempt(() => new Request('https://example.com/', { method: 'POST', body: new ReadableStream() }).method)") },
  { name: "Request: new Request(request, init) changes the method", run: expression("new Request(new Request('https://example.com/'), { method: 'POST', body: 'x' }).method") },
  { name: "Request: clone of a used body", run: statements("const r = new Request('https://example.com/', { method: 'POST', body: 'x' }); await r.text(); return errorOf(() => r.clone());") },
  { name: "Request: toString tag", run: expression("tag(new Request('https://example.com/'))") },
  { name: "Request: structuredClone", run: expression("errorOf(() => structuredClone(new Request('https://example.com/')))") },
  { name: "Response: structuredClone", run: expression("errorOf(() => structuredClone(new Response('x')))") },
  { name: "Headers: structuredClone", run: expression("errorOf(() => structuredClone(new Headers({ a: '1' })))") },

  // The incoming request
  { name: "incoming: headers are immutable (set)", request: { headers: { "x-a": "1" } }, run: expression("errorOf(() => request.headers.set('x-a', '2'))") },
  { name: "incoming: headers are immutable (append)", run: expression("errorOf(() => request.headers.append('x-b', '2'))") },
  { name: "incoming: headers are immutable (delete)", request: { headers: { "x-a": "1" } }, run: expression("errorOf(() => request.headers.delete('x-a'))") },
  { name: "incoming: a copy's headers are mutable", request: { headers: { "x-a": "1" } }, run: statements(
    "const copy = new Request(request); copy.headers.set('x-a', '2'); return [copy.headers.get('x-a'), request.headers.get('x-a')];") },
  { name: "incoming: the method", request: { method: "PATCH", body: "x" }, run: expression("request.method") },
  { name: "incoming: the body", request: { method: "POST", body: "hello" }, run: expression("request.text()") },
  { name: "incoming: the body read twice", request: { method: "POST", body: "hello" }, run: statements("await request.text(); return rejectionOf(() => request.text());") },
  { name: "incoming: the URL", request: { path: "/ignored" }, run: expression("new URL(request.url).search") },
  { name: "incoming: typeof cf", run: expression("typeof request.cf") },
  { name: "incoming: signal", run: expression("[describe(request.signal), request.signal.aborted]") },
  { name: "incoming: redirect mode", run: expression("request.redirect") },
  { name: "incoming: instanceof Request", run: expression("request instanceof Request") },

  // Headers
  { name: "Headers: getAll of set-cookie", run: statements(
    "const h = new Headers(); h.append('Set-Cookie', 'a=1'); h.append('Set-Cookie', 'b=2'); return typeof h.getAll === 'function' ? h.getAll('set-cookie') : 'missing';") },
  { name: "Headers: getAll of another header", run: statements(
    "const h = new Headers({ a: '1' }); return typeof h.getAll === 'function' ? errorOf(() => h.getAll('a')) : 'missing';") },
  { name: "Headers: getSetCookie", run: statements("const h = new Headers(); h.append('set-cookie', 'a=1'); h.append('set-cookie', 'b=2'); return h.getSetCookie();") },
  { name: "Headers: set-cookie in iteration", run: statements("const h = new Headers(); h.append('set-cookie', 'a=1'); h.append('set-cookie', 'b=2'); return [...h];") },
  { name: "Headers: repeated values are joined", run: statements("const h = new Headers(); h.append('x', 'a'); h.append('x', 'b'); return h.get('x');") },
  { name: "Headers: iteration is sorted and lower-cased", run: expression("[...new Headers({ B: '1', a: '2', C: '3' })]") },
  { name: "Headers: an invalid name", run: expression("errorOf(() => new Headers({ 'a b': '1' }))") },
  { name: "Headers: a value with a line break", run: expression("errorOf(() => new Headers({ a: 'x\\ny' }))") },
  { name: "Headers: a value is trimmed", run: expression("new Headers({ a: '  x  ' }).get('a')") },
  { name: "Headers: a pair of the wrong length", run: expression("errorOf(() => new Headers([['a']]))") },
  { name: "Headers: forbidden names are allowed", run: expression("[...new Headers({ host: 'x', 'content-length': '1', connection: 'y' })]") },
  { name: "Headers: non-ASCII value", run: expression("errorOf(() => new Headers({ a: 'é' }))") },
  { name: "Headers: a value above 0xff", run: expression("errorOf(() => new Headers({ a: '€' }))") },
  { name: "Headers: toString tag", run: expression("tag(new Headers())") },
  { name: "Headers: get of a missing header", run: expression("new Headers().get('x')") },

  // URL
  { name: "URL: a space in the path", run: expression("new URL('https://example.com/a b').href") },
  { name: "URL: upper-case scheme and default port", run: expression("new URL('HTTP://EXAMPLE.com:80/').href") },
  { name: "URL: IDN host", run: expression("new URL('https://bücher.example/').host") },
  { name: "URL: IPv6 host", run: expression("new URL('http://[::1]:8080/').hostname") },
  { name: "URL: backslashes", run: expression("new URL('https://example.com\\\\a\\\\b').pathname") },
  { name: "URL: an invalid URL", run: expression("errorOf(() => new URL('not a url'))") },
  { name: "URL: canParse", run: expression("typeof URL.canParse === 'function' ? URL.canParse('https://x') : 'missing'") },
  { name: "URL: parse", run: expression("typeof URL.parse === 'function' ? URL.parse('nope') : 'missing'") },
  { name: "URL: searchParams.size", run: expression("new URL('https://x/?a=1&b=2').searchParams.size") },
  { name: "URL: a non-special scheme", run: expression("new URL('foo://bar/baz').pathname") },
  { name: "URL: host of a file URL", run: expression("new URL('file:///etc/passwd').host") },
  { name: "URL: percent-encoding of the query", run: expression("new URL('https://x/?q=a b\"<>').search") },
  { name: "URL: toString tag", run: expression("tag(new URL('https://x/'))") },
  { name: "URLSearchParams: sort and toString", run: statements("const p = new URLSearchParams('b=2&a=1&a=0'); p.sort(); return p.toString();") },
  { name: "URLPattern: match", run: expression(
    "typeof URLPattern === 'function' ? new URLPattern({ pathname: '/users/:id' }).exec('https://x/users/42')?.pathname.groups : 'missing'") },

  // FormData and Blob
  { name: "FormData: a File entry", run: statements(
    "const f = new FormData(); f.append('file', new Blob(['abc'], { type: 'text/plain' }), 'a.txt'); const v = f.get('file'); return [describe(v), v.name, v.type, v.size];") },
  { name: "FormData: a string entry", run: statements("const f = new FormData(); f.append('a', 1); return [f.get('a'), f.getAll('a')];") },
  { name: "FormData: parse urlencoded", run: expression(
    "new Request('https://x/', { method: 'POST', body: 'a=1&b=2', headers: { 'content-type': 'application/x-www-form-urlencoded' } }).formData().then((f) => [...f])") },
  { name: "FormData: parse multipart", run: statements(`
    const form = new FormData(); form.append("a", "1"); form.append("f", new Blob(["xyz"]), "f.bin");
    const parsed = await new Response(form).formData();
    return [...parsed].map(([k, v]) => [k, typeof v === "string" ? v : [v.name, v.size, v.type]]);`) },
  { name: "FormData: parse a body that is not a form", run: expression(
    "rejectionOf(() => new Request('https://x/', { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } }).formData())") },
  { name: "Blob: text, slice and type", run: statements("const b = new Blob(['hello'], { type: 'TEXT/plain' }); return [b.type, b.size, await b.slice(1, 3).text()];") },
  { name: "File: name and lastModified type", run: statements("const f = new File(['x'], 'a.txt'); return [f.name, typeof f.lastModified, tag(f)];") },
];
