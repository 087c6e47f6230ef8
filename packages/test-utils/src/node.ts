/**
 * `runNode(args, cwd)`: runs `node <args>` as a user's plain process would, for what only a process of its
 * own shows (Node's handling of an unhandled rejection, a README example against dist/): no execArgv and no
 * NODE_OPTIONS, which vitest's would otherwise leak in. Resolves however it exits; killed after 15 s.
 */
import { execFile } from "node:child_process";

/** How a `node` child process ended. */
export interface NodeExit {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runNode(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<NodeExit> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.NODE_OPTIONS;
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd, env: childEnv, timeout: 15_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr });
    });
  });
}
