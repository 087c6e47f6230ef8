/**
 * The plugin's options, as Miniflare 2 named them, plus wrangler's `migrations`, and how they become
 * namespaces: which class each binding names, whether its storage is SQLite-backed, and where its data
 * lives (a renamed class keeps the storage and ids of its first name).
 */
import { pluginOptions, type CliFlag } from "@flarelet/core";
import type { NamespaceConfig } from "./load.js";

/** A binding's class: its name, or `{ className, useSQLite }` (Miniflare 3/4's name for the SQLite flag). */
export type DurableObjectBinding = string | { className: string; scriptName?: string; useSQLite?: boolean };

/** One entry of wrangler's `migrations`. */
export interface DurableObjectMigration {
  tag?: string;
  new_classes?: string[];
  new_sqlite_classes?: string[];
  renamed_classes?: { from: string; to: string }[];
  deleted_classes?: string[];
}

export interface DurableObjectsOptions {
  /** Namespace bindings: `{ COUNTER: "Counter" }`. @default {} */
  durableObjects?: Record<string, DurableObjectBinding>;
  /**
   * Where objects' storage lives: in memory (kept across reloads, lost on exit), `true` for
   * `<rootPath>/.mf/durableobjects` (Miniflare 2's folder), or a folder path (relative to `rootPath`).
   * @default false
   */
  durableObjectsPersist?: boolean | string;
  /** wrangler's `migrations`: `new_sqlite_classes` get the SQL API; renames keep storage. @default [] */
  durableObjectsMigrations?: DurableObjectMigration[];
  /**
   * How long an object stays in memory once idle, in ms (nothing in flight, no timer, no WebSocket but
   * hibernatable ones): then it hibernates, its hibernatable WebSockets staying open, and its next event
   * constructs it again. workerd's delay, fixed there, is 10 s.
   * @default 10000
   */
  durableObjectsHibernateAfter?: number;
}

export const DEFAULT_PERSIST_FOLDER = ".mf/durableobjects";
/** workerd's inactivity delay before an object is evicted (src/workerd/server/server.c++, `handleShutdown`). */
export const DEFAULT_HIBERNATE_AFTER_MS = 10_000;
/** setTimeout's longest delay. */
const MAX_HIBERNATE_AFTER_MS = 2 ** 31 - 1;

const check = pluginOptions("durable-objects");
const invalid = check.invalid;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

const OPTION_NAMES = ["durableObjects", "durableObjectsPersist", "durableObjectsMigrations", "durableObjectsHibernateAfter"];

/** `durableObjectsHibernateAfter`, checked, or the default. */
export function resolveHibernateAfter(options: DurableObjectsOptions): number {
  return (
    check.integer("durableObjectsHibernateAfter", options.durableObjectsHibernateAfter, 0, MAX_HIBERNATE_AFTER_MS) ??
    DEFAULT_HIBERNATE_AFTER_MS
  );
}

/** Checks the options and resolves the namespaces they describe. */
export function resolveNamespaces(options: DurableObjectsOptions): NamespaceConfig[] {
  const own = check.object(options, OPTION_NAMES) as DurableObjectsOptions;
  const { durableObjects = {}, durableObjectsMigrations = [] } = own;
  if (typeof durableObjects !== "object" || durableObjects === null || Array.isArray(durableObjects)) {
    throw invalid(`durableObjects must be an object of binding names to class names, got ${check.describe(durableObjects)}.`);
  }
  check.booleanOrPath("durableObjectsPersist", own.durableObjectsPersist);
  if (!Array.isArray(durableObjectsMigrations)) throw invalid("durableObjectsMigrations must be an array of migrations.");
  const classes = applyMigrations(durableObjectsMigrations);
  return Object.entries(durableObjects).map(([binding, value]) => {
    const spec = typeof value === "string" ? { className: value } : value;
    if (typeof spec !== "object" || spec === null || typeof spec.className !== "string" || !IDENTIFIER.test(spec.className)) {
      throw invalid(`durableObjects.${binding} must be a class name or { className }, got ${JSON.stringify(value)}.`);
    }
    if (spec.scriptName !== undefined) {
      throw invalid(`durableObjects.${binding}: scriptName is not supported; flarelet runs one worker, whose classes it binds.`);
    }
    const migrated = classes.get(spec.className);
    if (migrated === "deleted") {
      throw invalid(`durableObjects.${binding} names class "${spec.className}", which a migration deleted (deleted_classes).`);
    }
    const sqlite = spec.useSQLite ?? migrated?.sqlite ?? false;
    const storageName = migrated?.storageName ?? spec.className;
    return { binding, className: spec.className, backend: sqlite ? "sqlite" : "kv", storageName, uniqueKey: `-${storageName}` };
  });
}

/** Follows the migrations in order: what each class is called now, where its storage lives. */
function applyMigrations(migrations: readonly DurableObjectMigration[]): Map<string, { storageName: string; sqlite: boolean } | "deleted"> {
  const classes = new Map<string, { storageName: string; sqlite: boolean } | "deleted">();
  for (const [index, migration] of migrations.entries()) {
    const where = `durableObjectsMigrations[${index}]${migration.tag === undefined ? "" : ` (tag ${migration.tag})`}`;
    for (const name of migration.new_classes ?? []) classes.set(name, { storageName: name, sqlite: false });
    for (const name of migration.new_sqlite_classes ?? []) classes.set(name, { storageName: name, sqlite: true });
    for (const { from, to } of migration.renamed_classes ?? []) {
      const existing = classes.get(from);
      if (existing === "deleted") throw invalid(`${where} renames "${from}", which an earlier migration deleted.`);
      classes.delete(from);
      classes.set(to, existing ?? { storageName: from, sqlite: false });
    }
    for (const name of migration.deleted_classes ?? []) classes.set(name, "deleted");
  }
  return classes;
}

/** The plugin's command-line flags, as data: the `flarelet` command builds its parser and help from them. */
export const durableObjectsFlags: readonly CliFlag[] = [
  {
    name: "do",
    short: "o",
    type: "string",
    value: "NAME=CLASS",
    multiple: true,
    option: "durableObjects",
    toOption: (values) => parseDurableObjectFlags(values as string[]),
    description: "Bind a Durable Object namespace of the exported class CLASS as NAME",
  },
  {
    name: "do-persist",
    type: "string",
    value: "PATH",
    optionalValue: true,
    default: DEFAULT_PERSIST_FOLDER,
    option: "durableObjectsPersist",
    description: "Keep Durable Object storage on disk across restarts (in memory otherwise)",
  },
  {
    name: "do-hibernate-after",
    type: "integer",
    value: "MS",
    max: MAX_HIBERNATE_AFTER_MS,
    default: String(DEFAULT_HIBERNATE_AFTER_MS),
    option: "durableObjectsHibernateAfter",
    description: "How long an idle Durable Object stays in memory before it hibernates",
  },
];

/** `NAME=CLASS` values, both identifiers, into `{ NAME: "CLASS" }`. */
export function parseDurableObjectFlags(values: readonly string[]): Record<string, string> {
  const namespaces: Record<string, string> = {};
  for (const value of values) {
    const match = /^([A-Za-z_$][\w$]*)=([A-Za-z_$][\w$]*)$/.exec(value);
    if (match === null) throw new Error("expected NAME=CLASS");
    namespaces[match[1]!] = match[2]!;
  }
  return namespaces;
}
