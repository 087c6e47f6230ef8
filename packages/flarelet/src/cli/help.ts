/** `flarelet --help`: the usage line and one line per flag, from the flag list in args.ts. */
import { FLAGS, USAGE, type FlagSpec } from "./args.js";

export function helpText(version: string): string {
  const rows = FLAGS.map((flag: FlagSpec) => {
    const names = `${flag.short === undefined ? "    " : `-${flag.short}, `}--${flag.name}`;
    const value = flag.value === undefined ? "" : flag.optionalValue === true ? ` [${flag.value}]` : ` ${flag.value}`;
    const notes = [flag.default === undefined ? "" : `default: ${flag.default}`, flag.multiple === true ? "repeatable" : ""].filter(Boolean);
    return { left: `${names}${value}`, right: `${flag.description}${notes.length === 0 ? "" : ` (${notes.join(", ")})`}` };
  });
  const width = Math.max(...rows.map((row) => row.left.length));
  return [
    `flarelet ${version}: a local simulator for Cloudflare Workers`,
    "",
    USAGE,
    "",
    "The script defaults to main in ./wrangler.json, ./wrangler.jsonc or ./wrangler.toml (the first found).",
    "Flags win over .dev.vars and .env, which win over the wrangler configuration.",
    "",
    "Options:",
    ...rows.map((row) => `  ${row.left.padEnd(width)}  ${row.right}`),
    "",
    "Examples:",
    "  flarelet src/index.ts --watch",
    "  flarelet worker.js --port 8080 --binding KEY=value",
    "  flarelet -c wrangler.toml --wrangler-env staging",
    "  flarelet worker.mjs -o COUNTER=Counter --do-persist",
    "",
  ].join("\n");
}
