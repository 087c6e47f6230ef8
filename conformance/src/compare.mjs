/**
 * Comparing what the two runtimes observed, and showing it. Three outcomes:
 *
 * - `same`: the observed JSON is equal;
 * - `message`: equal once every error message is left out (same classes, names, values, status codes);
 * - `different`: anything else.
 */
export const VERDICTS = ["same", "message", "different"];

export function verdictOf(workerd, flarelet) {
  if (workerd === undefined || flarelet === undefined) return "different";
  if (JSON.stringify(workerd) === JSON.stringify(flarelet)) return "same";
  if (JSON.stringify(maskMessages(workerd)) === JSON.stringify(maskMessages(flarelet))) return "message";
  return "different";
}

export function rank(verdict) {
  return VERDICTS.indexOf(verdict);
}

function maskMessages(value) {
  if (Array.isArray(value)) return value.map(maskMessages);
  if (typeof value !== "object" || value === null) return value;
  const out = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = value.$ === "error" && key === "message" ? "…" : maskMessages(item);
  }
  return out;
}

/** A short, readable form of an observed value: `throws TypeError: …`, `undefined`, `{"a":1}`. */
export function render(observed) {
  if (observed === undefined) return "(not run)";
  if (isPlainObject(observed) && Object.keys(observed).length === 1) {
    if ("value" in observed) return renderValue(observed.value);
    if ("threw" in observed) return `throws ${renderValue(observed.threw)}`;
    if ("loadError" in observed) return `load fails: ${renderValue(observed.loadError)}`;
    if ("harness" in observed) return `(${observed.harness})`;
  }
  return renderValue(observed);
}

function renderValue(value) {
  if (Array.isArray(value)) return `[${value.map(renderValue).join(", ")}]`;
  if (!isPlainObject(value)) return JSON.stringify(value);
  switch (value.$) {
    case "undefined": return "undefined";
    case "number": return value.v;
    case "bigint": return `${value.v}n`;
    case "symbol": return `Symbol(${value.v})`;
    case "function": return `function ${value.name}`;
    case "circular": return "(circular)";
    case "deep": return "(deep)";
    case "object": return `${value.class} {}`;
    case "bytes": return `${value.class}<${value.hex}>`;
    case "thrown": return `(thrown ${renderValue(value.value)})`;
    case "error": {
      const label = value.class === value.name || value.class === null ? value.name : `${value.class} ${value.name}`;
      return `${label}: ${value.message}`;
    }
  }
  return `{${Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}: ${renderValue(item)}`).join(", ")}}`;
}

function isPlainObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
