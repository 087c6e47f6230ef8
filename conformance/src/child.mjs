/**
 * A runtime's side of the harness, in its own process: `node child.mjs flarelet|workerd`. It receives
 * `{ jobs: [[date, name], …] }` over IPC, runs them with driver.mjs and sends back
 * `{ version, results: [[date, name, observed], …] }`.
 */
import { loadCases } from "./cases.mjs";
import { runJobs } from "./driver.mjs";

const which = process.argv[2];
const { runtime } = await import(which === "workerd" ? "./workerd-runtime.mjs" : "./flarelet-runtime.mjs");

process.once("message", async ({ jobs }) => {
  const cases = new Map((await loadCases()).map((testCase) => [testCase.name, testCase]));
  const work = jobs.map(([date, name]) => ({ date, testCase: cases.get(name) }));
  const results = await runJobs(runtime, work);
  const list = [...results].map(([key, observed]) => [...key.split("\t"), observed]);
  process.send({ version: runtime.version, results: list }, () => process.exit(0));
});
// A worker may leave things running (timers, sockets): the parent's message is the only way in.
process.send({ ready: true });
