/**
 * The SQLite engine under Durable Object storage, chosen once per process:
 *
 * - `node:sqlite` where the running Node has it without a flag (22.13+, 23.4+, 24+): Node's own SQLite,
 *   native speed, nothing to install.
 * - otherwise `node-sqlite3-wasm`, SQLite compiled to WebAssembly with a VFS over `node:fs` (real files,
 *   fsync, rollback journal), which installs from the npm registry anywhere, with no native build.
 *
 * Why not a native addon (better-sqlite3) for Node 20: it needs a C++ build at install time (over a minute
 * here, and node-gyp must find Node's headers offline), and a build made under one Node version must not
 * be loaded under another; a CI that installs once and tests on Node 20 and 22 would have to rebuild.
 * Why not WebAssembly everywhere: Node's own binding is several times faster where it exists.
 *
 * Both engines are reached through the small `SqliteConnection` interface (connection.ts), which is all the storage
 * layer uses: one statement at a time (statements are split in tokens.ts), rows as arrays, integers as
 * BigInt, blobs as Uint8Array, and errors as `SqliteError` with SQLite's result code.
 */
import { createRequire } from "node:module";
import { openNodeSqlite, type NodeSqliteModule } from "./node-sqlite.js";
import { openWasmSqlite, type WasmSqliteModule } from "./wasm.js";
import type { SqliteConnection } from "./connection.js";

export { SqliteError } from "./connection.js";
export type { SqliteConnection, SqliteStatement, SqliteValue } from "./connection.js";

type Opener = (path: string) => SqliteConnection;
let opener: Opener | undefined;

/** Opens `path` (a file, created if missing, or ":memory:") with the engine this Node supports. */
export function openSqlite(path: string): SqliteConnection {
  opener ??= chooseEngine();
  const connection = opener(path);
  // workerd turns foreign keys on (a `PRAGMA foreign_keys` there reads 1); node:sqlite does too by default.
  connection.exec("PRAGMA foreign_keys = ON");
  return connection;
}

/** Which engine `openSqlite` uses in this process. */
export function sqliteEngine(): SqliteConnection["engine"] {
  return nodeSqliteModule() === undefined ? "node-sqlite3-wasm" : "node:sqlite";
}

function chooseEngine(): Opener {
  const nodeSqlite = nodeSqliteModule();
  if (nodeSqlite !== undefined) return (path) => openNodeSqlite(nodeSqlite, path);
  const require = createRequire(import.meta.url);
  const wasm = require("node-sqlite3-wasm") as WasmSqliteModule;
  return (path) => openWasmSqlite(wasm, path);
}

let nodeSqliteLookup: { module: NodeSqliteModule | undefined } | undefined;

/**
 * `node:sqlite` if this Node has it without a flag. Loading it prints an ExperimentalWarning on Node 22;
 * flarelet chose the module on the user's behalf, so that one warning is not passed on.
 */
function nodeSqliteModule(): NodeSqliteModule | undefined {
  if (nodeSqliteLookup !== undefined) return nodeSqliteLookup.module;
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]) {
    const text = typeof warning === "string" ? warning : warning.message;
    if (/SQLite is an experimental feature/.test(text)) return;
    return (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    const module = process.getBuiltinModule?.("node:sqlite") as NodeSqliteModule | undefined;
    nodeSqliteLookup = { module: typeof module?.DatabaseSync === "function" ? module : undefined };
  } catch {
    nodeSqliteLookup = { module: undefined };
  } finally {
    process.emitWarning = emitWarning;
  }
  return nodeSqliteLookup.module;
}
