/**
 * The committed list of known differences, `conformance/known-differences.txt`: one line per case and date
 * that does not match workerd, with its verdict and the departure in docs/departures.md that explains it.
 *
 *     # date      verdict    departure          case
 *     2026-07-01  message    error-messages     Request: an unknown method
 *
 * `--check` fails when a case does worse than listed (a case not listed must be `same`), and when a listed
 * departure has no `<a id="…"></a>` anchor in docs/departures.md. `--update-known` rewrites the list from
 * the run (new entries get the departure "undocumented", which the check refuses until it is written up).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { rank, VERDICTS } from "./compare.mjs";

export const KNOWN_FILE = new URL("../known-differences.txt", import.meta.url);
export const DEPARTURES_FILE = new URL("../../docs/departures.md", import.meta.url);

/** Map<"date\tname", { verdict, departure }>. */
export function readKnown() {
  const known = new Map();
  if (!existsSync(KNOWN_FILE)) return known;
  for (const [index, line] of readFileSync(KNOWN_FILE, "utf8").split("\n").entries()) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    const match = /^(\d{4}-\d{2}-\d{2})\s+(\w+)\s+(\S+)\s+(.+)$/.exec(line);
    if (match === null || !VERDICTS.includes(match[2])) {
      throw new Error(`known-differences.txt line ${index + 1}: expected "date verdict departure case name"`);
    }
    known.set(`${match[1]}\t${match[4].trim()}`, { verdict: match[2], departure: match[3] });
  }
  return known;
}

export function departureAnchors() {
  if (!existsSync(DEPARTURES_FILE)) return new Set();
  const text = readFileSync(DEPARTURES_FILE, "utf8");
  return new Set([...text.matchAll(/<a id="([^"]+)"><\/a>/g)].map((match) => match[1]));
}

/**
 * rows: [{ date, name, verdict }] of this run. Returns { regressions, improvements, undocumented, stale }:
 * lists of human-readable lines.
 */
export function checkKnown(rows, known, anchors, { complete }) {
  const regressions = [];
  const improvements = [];
  const undocumented = new Set();
  const seen = new Set();
  for (const { date, name, verdict } of rows) {
    const key = `${date}\t${name}`;
    seen.add(key);
    const entry = known.get(key);
    const expected = entry?.verdict ?? "same";
    if (rank(verdict) > rank(expected)) regressions.push(`${date} ${name}: ${verdict} (listed: ${expected})`);
    else if (rank(verdict) < rank(expected)) improvements.push(`${date} ${name}: now ${verdict} (listed: ${expected})`);
    if (entry !== undefined && !anchors.has(entry.departure)) undocumented.add(entry.departure);
  }
  const stale = complete ? [...known.keys()].filter((key) => !seen.has(key)).map((key) => key.replace("\t", " ")) : [];
  return { regressions, improvements, undocumented: [...undocumented], stale };
}

export function writeKnown(rows, known) {
  const lines = [
    "# Known differences from workerd: one line per case and date that does not match (see src/known.mjs).",
    "# Each names its departure in docs/departures.md. `pnpm conformance --update-known` rewrites this file.",
    "# date      verdict    departure                      case",
  ];
  const sorted = rows
    .filter((row) => row.verdict !== "same")
    .sort((a, b) => (a.date === b.date ? a.name.localeCompare(b.name) : b.date.localeCompare(a.date)));
  for (const { date, name, verdict } of sorted) {
    const departure = known.get(`${date}\t${name}`)?.departure ?? "undocumented";
    lines.push(`${date}  ${verdict.padEnd(9)}  ${departure.padEnd(29)}  ${name}`);
  }
  writeFileSync(KNOWN_FILE, `${lines.join("\n")}\n`);
}
