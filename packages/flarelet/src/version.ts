import { readFileSync } from "node:fs";

/** This package's version, read from its package.json (one level above both src/ and dist/). */
export function packageVersion(): string {
  const json = readFileSync(new URL("../package.json", import.meta.url), "utf8");
  return (JSON.parse(json) as { version: string }).version;
}
