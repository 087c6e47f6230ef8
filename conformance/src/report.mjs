/**
 * docs/conformance.md: the counts per date, then one table per date and area, case | workerd | flarelet |
 * same?. No timestamps or timings, so that the file changes only when a result does.
 */
import { writeFileSync } from "node:fs";
import { render } from "./compare.mjs";

export const REPORT_FILE = new URL("../../docs/conformance.md", import.meta.url);
const CELL_LIMIT = 160;

const LABEL = { same: "yes", message: "message only", different: "**no**" };

export function countsOf(rows) {
  const counts = { same: 0, message: 0, different: 0 };
  for (const row of rows) counts[row.verdict] += 1;
  return counts;
}

export function percent(part, whole) {
  return whole === 0 ? "–" : `${((100 * part) / whole).toFixed(1)}%`;
}

export function writeReport({ rows, dates, versions, known }) {
  const lines = [
    "# Conformance: flarelet against workerd",
    "",
    "Written by `pnpm conformance` (see [conformance/README.md](../conformance/README.md)); do not edit by hand.",
    "Every case is a small worker (or an HTTP/WebSocket client of one) run on both runtimes; the table shows what",
    "each observed. *message only*: the same outcome except for the text of an error message. Every case that",
    "is not the same is explained in [departures.md](departures.md).",
    "",
    `- workerd: ${versions.workerd}`,
    `- flarelet: ${versions.flarelet}`,
    "",
    "| date | cases | same | message only | different | same outcome |",
    "|---|---|---|---|---|---|",
  ];
  for (const date of dates) {
    const ofDate = rows.filter((row) => row.date === date);
    const counts = countsOf(ofDate);
    lines.push(
      `| ${date} | ${ofDate.length} | ${counts.same} | ${counts.message} | ${counts.different} | ` +
        `${percent(counts.same, ofDate.length)} |`,
    );
  }
  for (const date of dates) {
    lines.push("", `## Compatibility date ${date}`);
    const areas = [...new Set(rows.filter((row) => row.date === date).map((row) => row.area))];
    for (const area of areas) {
      const ofArea = rows.filter((row) => row.date === date && row.area === area);
      const counts = countsOf(ofArea);
      lines.push(
        "",
        `### ${area} (${ofArea.length} cases: ${counts.same} same, ${counts.message} message only, ${counts.different} different)`,
        "",
        "| case | workerd | flarelet | same? |",
        "|---|---|---|---|",
      );
      for (const row of ofArea) {
        const departure = known.get(`${date}\t${row.name}`)?.departure;
        const label = LABEL[row.verdict] + (row.verdict !== "same" && departure ? ` ([why](departures.md#${departure}))` : "");
        const flarelet = row.verdict === "same" ? "″" : cell(render(row.flarelet));
        lines.push(`| ${escape(row.name)} | ${cell(render(row.workerd))} | ${flarelet} | ${label} |`);
      }
    }
  }
  writeFileSync(REPORT_FILE, `${lines.join("\n")}\n`);
}

function cell(text) {
  const short = text.length > CELL_LIMIT ? `${text.slice(0, CELL_LIMIT - 1)}…` : text;
  return `\`${escape(short).replace(/`/g, "ˋ")}\``;
}

function escape(text) {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}
