#!/usr/bin/env node
/**
 * Top self-time functions of a V8 CPU profile (from `node --cpu-prof`, e.g. `pnpm bench --profile DIR`),
 * with each function of flarelet's CLI bundle named by the source module it came from.
 *
 *     node bench/src/profile-summary.mjs <file.cpuprofile | folder> [--top N]
 *
 * A folder means every profile in it, summed. Prints the top functions by self time, then self time per
 * area (flarelet's packages, ws, undici, Node's internals, garbage collection, idle).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: "string", default: "25" } } });
if (positionals.length === 0) {
  console.error("Usage: node bench/src/profile-summary.mjs <file.cpuprofile | folder> [--top N]");
  process.exit(2);
}
const top = Number(values.top);

const files = positionals.flatMap((target) =>
  statSync(target).isDirectory()
    ? readdirSync(target, { recursive: true })
        .map(String)
        .filter((name) => name.endsWith(".cpuprofile"))
        .map((name) => path.join(target, name))
    : [target],
);

/**
 * For a bundle (flarelet's dist/cli.js is one esbuild bundle, without a source map), the module each line
 * came from: esbuild writes a "// path/to/module.js" comment before each module's code. Files without such
 * comments have no markers and keep their own name.
 */
const bundles = new Map();
function modulesOf(url) {
  if (bundles.has(url)) return bundles.get(url);
  let markers = [];
  try {
    const file = url.startsWith("file://") ? fileURLToPath(url) : url;
    if (existsSync(file)) {
      readFileSync(file, "utf8")
        .split("\n")
        .forEach((line, index) => {
          const match = /^\/\/ (\S+\.[cm]?[jt]s)$/.exec(line);
          if (match) markers.push([index, tidy(match[1])]);
        });
    }
  } catch {
    markers = [];
  }
  bundles.set(url, markers);
  return markers;
}

/** "../core/dist/log.js" → "packages/core/src/log.ts"; "…/node_modules/ws/lib/x.js" → "ws/lib/x.js". */
function tidy(modulePath) {
  const dependency = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?(.+)$/.exec(modulePath);
  if (dependency) return dependency[1];
  const sibling = /^\.\.\/([^/]+)\/dist\/(.+)\.js$/.exec(modulePath);
  if (sibling) return `packages/${sibling[1]}/src/${sibling[2]}.ts`;
  if (modulePath.startsWith("src/")) return `packages/flarelet/${modulePath}`;
  return modulePath;
}

/** "function (module:line)", with the bundled module's own path for flarelet's CLI bundle. */
function locate(frame) {
  const { functionName, url, lineNumber } = frame;
  const name = functionName || "(anonymous)";
  if (!url) return { label: name, area: areaOf(name, "") };
  const markers = url.startsWith("file://") && /\.m?js$/.test(url) ? modulesOf(url) : [];
  let source;
  for (let low = 0, high = markers.length - 1; low <= high; ) {
    const middle = (low + high) >> 1;
    if (markers[middle][0] <= lineNumber) {
      source = markers[middle][1];
      low = middle + 1;
    } else high = middle - 1;
  }
  if (source !== undefined) return { label: `${name} (${source}, bundle line ${lineNumber + 1})`, area: areaOf(name, source) };
  const short = tidy(url.replace(/^file:\/\//, ""));
  return { label: `${name} (${short}:${lineNumber + 1})`, area: areaOf(name, short) };
}

function areaOf(name, source) {
  if (name === "(garbage collector)") return "garbage collection";
  if (name === "(idle)") return "idle";
  if (name === "(program)") return "(program: native, not JS)";
  const flarelet = /^packages\/([^/]+)\//.exec(source);
  if (flarelet) return `flarelet: ${flarelet[1]}`;
  if (source.startsWith("ws/")) return "ws";
  if (source.startsWith("node:internal/deps/undici") || source.startsWith("undici")) return "undici (Node's fetch)";
  if (source.startsWith("node:")) return "Node internals";
  if (source === "") return "native / builtins";
  return source.split("/")[0];
}

const selfByFunction = new Map();
/** Total (inclusive) time per function: its own and its callees', each sample counted once per function. */
const totalByFunction = new Map();
const selfByArea = new Map();
let total = 0;
for (const file of files) {
  const profile = JSON.parse(readFileSync(file, "utf8"));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const deltas = profile.timeDeltas;
  // Each sample's time is the delta that follows it (the last one: the mean).
  const selfMicros = new Map();
  for (let index = 0; index < profile.samples.length; index++) {
    const delta = deltas[index + 1] ?? (profile.endTime - profile.startTime) / profile.samples.length;
    selfMicros.set(profile.samples[index], (selfMicros.get(profile.samples[index]) ?? 0) + delta);
  }
  const parents = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  for (const [id, micros] of selfMicros) {
    const seen = new Set();
    for (let at = id; at !== undefined; at = parents.get(at)) {
      const { label } = locate(nodes.get(at).callFrame);
      if (seen.has(label)) continue;
      seen.add(label);
      totalByFunction.set(label, (totalByFunction.get(label) ?? 0) + micros);
    }
    const { label, area } = locate(nodes.get(id).callFrame);
    selfByFunction.set(label, (selfByFunction.get(label) ?? 0) + micros);
    selfByArea.set(area, (selfByArea.get(area) ?? 0) + micros);
    total += micros;
  }
}

const idle = selfByArea.get("idle") ?? 0;
const busy = total - idle;
const percent = (micros) => `${((micros / busy) * 100).toFixed(1).padStart(5)}%`;
console.log(`${files.length} profile(s), ${(total / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s busy (percentages of busy time)\n`);
console.log("Top functions by self time:");
for (const [label, micros] of [...selfByFunction].filter(([label]) => label !== "(idle)").sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`  ${percent(micros)}  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${label}`);
}
console.log("\nTop functions by total time (self and callees):");
const skip = new Set(["(root)", "(idle)", "(program)", "(garbage collector)"]);
for (const [label, micros] of [...totalByFunction].filter(([label]) => !skip.has(label)).sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`  ${percent(micros)}  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${label}`);
}
console.log("\nSelf time by area:");
for (const [area, micros] of [...selfByArea].filter(([area]) => area !== "idle").sort((a, b) => b[1] - a[1])) {
  console.log(`  ${percent(micros)}  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${area}`);
}
