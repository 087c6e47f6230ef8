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

export const runtime = {
  name: "workerd",
  version: `workerd ${workerdVersion} (miniflare ${miniflareVersion}) on Node ${process.version}`,

  async start({ script, scriptPath, rootPath, modules, date, flags, bindings }) {
    let output = "";
    const mf = new Miniflare({
      ...(scriptPath === undefined ? { script } : { scriptPath, modulesRoot: rootPath }),
      modules,
      compatibilityDate: date,
      compatibilityFlags: flags,
      bindings,
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

/** workerd prints a script that throws while loading as "… Uncaught TypeError: message" on stderr. */
function loadErrorOf(output, error) {
  const match = /Uncaught (\w+): ([^\n]*)/.exec(output);
  if (match !== null) return { $: "error", class: match[1], name: match[1], message: match[2].trim() };
  const line = output.split("\n").find((text) => /error/i.test(text)) ?? String(error?.message);
  return { $: "error", class: null, name: "Error", message: line.trim() };
}
