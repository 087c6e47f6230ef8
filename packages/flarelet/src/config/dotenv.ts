/**
 * `.env` files, parsed by Node's own `util.parseEnv` (the parser behind `node --env-file`): `KEY=value`
 * lines, `#` comments, single, double and backtick quotes, multi-line double-quoted values and an optional
 * `export ` prefix. Every value is a string, as in wrangler's `.dev.vars`.
 */
import { parseEnv } from "node:util";

export function parseDotEnv(text: string): Record<string, string> {
  // parseEnv returns a null-prototype object; the worker gets an ordinary one.
  const bindings: Record<string, string> = {};
  for (const [key, value] of Object.entries(parseEnv(text))) {
    if (value !== undefined) bindings[key] = value;
  }
  return bindings;
}
