/**
 * Runs a fixture project with a real vitest child process, as a user would run their own tests, and reads
 * back its JSON report. The fixtures resolve `@flarelet/vitest` to this package's `dist/` (Node's
 * self-reference: they sit inside this package and have no package.json of their own), so the built package
 * is what is tested.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll } from "vitest";

export const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));
const VITEST_BIN = path.join(path.dirname(createRequire(import.meta.url).resolve("vitest/package.json")), "vitest.mjs");

export interface AssertionResult {
  fullName: string;
  status: "passed" | "failed" | "skipped" | "pending" | "todo";
  failureMessages: string[];
}

export interface VitestRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Test names (file › name) by status. */
  results: Map<string, AssertionResult["status"]>;
  failures: string[];
  /** The folder given to `--outputFile` and the coverage reports. */
  outDir: string;
}

const outDirs: string[] = [];
afterAll(async () => {
  await Promise.all(outDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/**
 * Runs `vitest run` in `fixtures/<name>` with `args` (given the run's own temporary folder, for reports);
 * never rejects for failing tests (see `exitCode`).
 */
export async function runVitest(name: string, args: (outDir: string) => string[] = () => []): Promise<VitestRun> {
  const root = path.join(FIXTURES, name);
  const outDir = await mkdtemp(path.join(os.tmpdir(), "flarelet-vitest-"));
  outDirs.push(outDir);
  const report = path.join(outDir, "report.json");
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: "", FORCE_COLOR: "0" };
  // The child is a vitest of its own, not a worker of ours.
  for (const key of Object.keys(env)) if (key.startsWith("VITEST") || key === "TEST") delete env[key];
  const { exitCode, stdout, stderr } = await new Promise<{ exitCode: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [
        VITEST_BIN,
        "run",
        "--root",
        root,
        "--reporter=json",
        `--outputFile=${report}`,
        // The machine runs other suites beside this one: vitest's 5 s per test is no limit here.
        "--testTimeout=60000",
        "--hookTimeout=60000",
        ...args(outDir),
      ],
      { cwd: root, env, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ exitCode: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr }),
    );
  });
  const results = new Map<string, AssertionResult["status"]>();
  const failures: string[] = [];
  try {
    const json = JSON.parse(await readFile(report, "utf8")) as { testResults: { name: string; assertionResults: AssertionResult[] }[] };
    for (const file of json.testResults) {
      for (const test of file.assertionResults) {
        const key = `${path.relative(root, file.name)} › ${test.fullName}`;
        results.set(key, test.status);
        if (test.status === "failed") failures.push(`${key}\n${test.failureMessages.join("\n")}`);
      }
    }
  } catch (error) {
    failures.push(`no JSON report (${String(error)})\nstdout:\n${stdout}\nstderr:\n${stderr}`);
  }
  return { exitCode, stdout, stderr, results, failures, outDir };
}
