/**
 * The scripts the harness runs. Cases of kind `run` and `global` that share options are batched into one
 * modules worker (one start-up per runtime instead of one per case):
 *
 *     PRELUDE
 *     const __top = [atTopLevel(<global case 0>), …]     each `global` case runs at module top level
 *     const __run = [<run case 0>, …]
 *     export default { fetch }                           GET /__top/N or /__run/N answers with the outcome
 *
 * Each answer is `{ value }` or `{ threw }` (serialized by the prelude). A `worker` case brings its own
 * script, which the harness runs unchanged.
 */
import { functionExpression } from "./cases.mjs";
import { PRELUDE } from "./prelude.mjs";

export function batchedWorker(cases) {
  const top = cases.filter((testCase) => testCase.kind === "global");
  const run = cases.filter((testCase) => testCase.kind === "run");
  const paths = new Map();
  top.forEach((testCase, index) => paths.set(testCase.name, `/__top/${index}`));
  run.forEach((testCase, index) => paths.set(testCase.name, `/__run/${index}`));
  const script = `${PRELUDE}
const __top = [
${top.map((testCase) => `  __conformance.atTopLevel(${functionExpression(testCase.global)}),`).join("\n")}
];
const __run = [
${run.map((testCase) => `  ${functionExpression(testCase.run)},`).join("\n")}
];
export default {
  async fetch(request, env, ctx) {
    const match = /^\\/__(top|run)\\/(\\d+)$/.exec(new URL(request.url).pathname);
    if (match === null) return new Response("no such case", { status: 404 });
    if (match[1] === "top") {
      // Let the microtasks of a top-level promise run before reporting.
      await new Promise((resolve) => setTimeout(resolve, 0));
      return __conformance.respond(__top[Number(match[2])].outcome);
    }
    let outcome;
    try {
      outcome = { value: await __run[Number(match[2])](request, env, ctx) };
    } catch (error) {
      outcome = { threw: error };
    }
    return __conformance.respond(outcome);
  },
};
`;
  return { script, paths };
}
