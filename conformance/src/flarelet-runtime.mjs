/**
 * flarelet as one of the two runtimes: its in-process API (`new Miniflare(…)` from the built `flarelet`
 * package), run in a Node child process of the machine's own Node, so that a case that upsets it cannot
 * take the harness down with it.
 */
import { Miniflare, NoOpLog } from "flarelet";
import { readFileSync } from "node:fs";

const flareletPackage = JSON.parse(readFileSync(new URL(import.meta.resolve("flarelet/package.json")), "utf8"));

export const runtime = {
  name: "flarelet",
  version: `flarelet ${flareletPackage.version} on Node ${process.version}`,

  /** Starts a worker; rejects with `{ loadError }` when the script does not load. */
  async start({ script, scriptPath, rootPath, modules, date, flags, bindings, durableObjects }) {
    const mf = new Miniflare({
      ...(scriptPath === undefined ? { script } : { scriptPath, rootPath }),
      modules,
      compatibilityDate: date,
      compatibilityFlags: flags,
      bindings,
      // Durable Object namespaces (options.durableObjects of a case): the same option on both runtimes.
      ...(durableObjects === undefined ? {} : { durableObjects }),
      port: 0,
      log: new NoOpLog(),
    });
    try {
      await mf.getGlobalScope();
    } catch (error) {
      await mf.dispose().catch(() => {});
      throw { loadError: loadErrorOf(error) };
    }
    let server;
    return {
      async dispatch(path, init) {
        let response;
        try {
          response = await mf.dispatchFetch(new URL(path, "http://localhost").href, { redirect: "manual", ...init });
        } catch (error) {
          // What the worker threw (flarelet wraps its own failures, e.g. ERR_NO_HANDLER, with no cause).
          return { threw: describeError(error?.cause ?? error) };
        }
        return {
          status: response.status,
          statusText: response.statusText,
          headers: [...response.headers],
          body: response.webSocket === null ? await response.text() : "",
          webSocket: response.webSocket !== null,
        };
      },
      async origin() {
        server ??= await mf.startServer();
        return `http://127.0.0.1:${server.address().port}`;
      },
      async dispose() {
        await mf.dispose();
      },
    };
  },
};

function describeError(error) {
  const name = String(error?.name).replace(/^FlareletError \[\w+\]$/, "Error");
  return { $: "error", class: name, name, message: String(error?.message) };
}

/**
 * flarelet reports a script that throws while loading as "Uncaught TypeError: message while evaluating
 * <file>"; the error itself is the cause.
 */
function loadErrorOf(error) {
  const cause = error?.cause;
  if (cause !== undefined && typeof cause === "object" && cause !== null && "message" in cause) {
    return { $: "error", class: String(cause.name), name: String(cause.name), message: String(cause.message) };
  }
  const match = /Uncaught (\w+): ([^\n]*?)(?: while evaluating .*)?$/m.exec(String(error?.message));
  if (match !== null) return { $: "error", class: match[1], name: match[1], message: match[2] };
  return describeError(error);
}
