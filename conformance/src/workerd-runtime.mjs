/**
 * workerd as one of the two runtimes, through Miniflare 4 (which ships it), on Node 22: this file runs in
 * that Node, in a child process started by run.mjs with the tools from toolchain.mjs.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const miniflarePath = process.env.CONFORMANCE_MINIFLARE;
const { Miniflare } = await import(miniflarePath);
const require = createRequire(miniflarePath);
const miniflareVersion = JSON.parse(readFileSync(require.resolve("miniflare/package.json"), "utf8")).version;
const workerdVersion = JSON.parse(readFileSync(require.resolve("workerd/package.json"), "utf8")).version;

/** flarelet's default module rules (core's DEFAULT_MODULE_RULES), which Miniflare 4 does not apply by itself. */
const MODULE_RULES = [
  { type: "ESModule", include: ["**/*.mjs", "**/*.js"] },
  { type: "CommonJS", include: ["**/*.cjs"] },
  { type: "Text", include: ["**/*.txt", "**/*.html"] },
  { type: "Data", include: ["**/*.bin"] },
  { type: "CompiledWasm", include: ["**/*.wasm"] },
];

export const runtime = {
  name: "workerd",
  version: `workerd ${workerdVersion} (miniflare ${miniflareVersion}) on Node ${process.version}`,

  async start({ script, scriptPath, rootPath, modules, date, flags, bindings, durableObjects }) {
    let output = "";
    const mf = new Miniflare({
      ...(scriptPath === undefined ? { script } : { scriptPath, modulesRoot: rootPath, modulesRules: MODULE_RULES }),
      modules,
      compatibilityDate: date,
      compatibilityFlags: flags,
      bindings,
      // Durable Object namespaces (options.durableObjects of a case): the same option on both runtimes.
      ...(durableObjects === undefined ? {} : { durableObjects }),
      host: "127.0.0.1",
      port: 0,
      handleRuntimeStdio(stdout, stderr) {
        stdout.on("data", (chunk) => (output += chunk));
        stderr.on("data", (chunk) => (output += chunk));
      },
    });
    let url;
    try {
      url = await mf.ready;
    } catch (error) {
      await mf.dispose().catch(() => {});
      throw { loadError: loadErrorOf(output, error) };
    }
    return {
      async dispatch(path, init) {
        const response = await mf.dispatchFetch(new URL(path, "http://localhost").href, { redirect: "manual", ...init });
        const webSocket = response.webSocket ?? null;
        // Miniflare turns an exception the worker threw into a 500 whose text is the error and its stack.
        const thrown = response.status === 500 && webSocket === null ? await thrownError(response.clone()) : undefined;
        if (thrown !== undefined) return { threw: thrown };
        return {
          status: response.status,
          statusText: response.statusText,
          headers: [...response.headers],
          body: webSocket === null ? await response.text() : "",
          webSocket: webSocket !== null,
        };
      },
      async origin() {
        return url.origin;
      },
      async dispose() {
        await mf.dispose();
      },
    };
  },
};

async function thrownError(response) {
  const match = /^(\w*Error|\w*Exception): ([^\n]*)\n {4}at /.exec(await response.text());
  return match === null ? undefined : { $: "error", class: match[1], name: match[1], message: match[2] };
}

/** workerd prints a script that throws while loading as "… Uncaught TypeError: message" on stderr. */
function loadErrorOf(output, error) {
  const match = /Uncaught (\w+): ([^\n]*)/.exec(output);
  if (match !== null) return { $: "error", class: match[1], name: match[1], message: match[2].trim() };
  // "service core:user:: No event handlers were registered. This script does nothing."
  const service = /^service core:user:[^:]*: (.*)$/m.exec(output);
  if (service !== null) return { $: "error", class: "Error", name: "Error", message: service[1].trim() };
  const line = output.split("\n").find((text) => /error/i.test(text)) ?? String(error?.message);
  return { $: "error", class: null, name: "Error", message: line.trim() };
}
