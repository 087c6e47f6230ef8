/**
 * Loads the case files (`conformance/cases/*.mjs`), checks each case's shape, and gives every case the text
 * that identifies it: its functions' source and its options. That text keys workerd's cached results, so
 * editing a case runs it on workerd again, and nothing else does.
 */
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const CASES_DIR = fileURLToPath(new URL("../cases/", import.meta.url));

/** The compatibility dates every case runs at unless it names its own (`dates`). */
export const DATES = ["2026-07-01", "2021-11-03"];

const KINDS = ["run", "global", "worker"];
const KNOWN_FIELDS = new Set([
  "name", "run", "global", "worker", "modules", "files", "options", "dates", "request", "client", "note",
]);

/**
 * Every case, in file order: `{ name, area, file, kind, source, ...the case's own fields }`.
 * `area` is the file's name without extension ("websockets" for cases/websockets.mjs).
 */
export async function loadCases(dir = CASES_DIR) {
  const files = readdirSync(dir).filter((file) => file.endsWith(".mjs")).sort();
  const cases = [];
  const names = new Set();
  for (const file of files) {
    const module = await import(pathToFileURL(path.join(dir, file)).href);
    const list = module.default;
    if (!Array.isArray(list)) throw new Error(`${file}: the default export must be an array of cases`);
    const area = file.replace(/\.mjs$/, "");
    for (const [index, spec] of list.entries()) {
      const where = `${file} case ${index + 1}${spec?.name ? ` ("${spec.name}")` : ""}`;
      const checked = checkCase(spec, where);
      if (names.has(checked.name)) throw new Error(`${where}: another case has the same name`);
      names.add(checked.name);
      cases.push({ ...checked, area, file });
    }
  }
  return cases;
}

function checkCase(spec, where) {
  if (typeof spec !== "object" || spec === null) throw new Error(`${where}: a case is an object`);
  if (typeof spec.name !== "string" || spec.name.trim() === "") throw new Error(`${where}: needs a name`);
  if (/[\n|]/.test(spec.name)) throw new Error(`${where}: a name may not contain "|" or a line break`);
  for (const key of Object.keys(spec)) {
    if (!KNOWN_FIELDS.has(key)) throw new Error(`${where}: unknown field "${key}" (known: ${[...KNOWN_FIELDS].join(", ")})`);
  }
  const kinds = KINDS.filter((kind) => spec[kind] !== undefined);
  if (kinds.length !== 1) throw new Error(`${where}: give exactly one of ${KINDS.join(", ")}`);
  const kind = kinds[0];
  if (kind === "worker" && typeof spec.worker !== "string") throw new Error(`${where}: worker is the script's source text`);
  if (kind !== "worker" && typeof spec[kind] !== "function") throw new Error(`${where}: ${kind} must be a function`);
  if (kind === "worker" && spec.request === undefined && spec.client === undefined) {
    throw new Error(`${where}: a worker case needs a request to send or a client function`);
  }
  if (spec.client !== undefined && typeof spec.client !== "function") throw new Error(`${where}: client must be a function`);
  if (spec.client !== undefined && kind === "global") throw new Error(`${where}: client goes with run or worker`);
  if (spec.dates !== undefined && !(Array.isArray(spec.dates) && spec.dates.every((date) => DATES.includes(date)))) {
    throw new Error(`${where}: dates must be a list of ${DATES.join(", ")}`);
  }
  return { ...spec, kind, source: sourceOf(spec) };
}

/** The text that identifies a case: every field, functions by their source. */
function sourceOf(spec) {
  return JSON.stringify(spec, (_key, value) => {
    if (typeof value === "function") return `function:${value.toString()}`;
    if (value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString("hex")}`;
    return value;
  });
}

/** The dates a case runs at. */
export function datesOf(testCase) {
  return testCase.dates ?? DATES;
}

/**
 * A function's source as an expression: method shorthand (`run() {…}`, `async run() {…}`) becomes a
 * function expression; arrows and `function` expressions stay as they are.
 */
export function functionExpression(fn) {
  const text = fn.toString();
  if (/^(async\s+)?function\b/.test(text) || /^(async\s*)?(\([^)]*\)|[A-Za-z_$][\w$]*)\s*=>/.test(text)) return text;
  const method = /^(async\s+)?(\*\s*)?([A-Za-z_$][\w$]*)\s*\(/.exec(text);
  if (method === null) throw new Error(`Cannot turn this function into an expression: ${text.slice(0, 80)}`);
  return `${method[1] ?? ""}function ${method[2] ?? ""}${text.slice(method[1]?.length ?? 0).replace(/^\*\s*/, "")}`;
}

export function sha256(text) {
  return createHash("sha256").update(text).digest("hex");
}
