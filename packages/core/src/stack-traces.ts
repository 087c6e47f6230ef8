/**
 * Stack traces as the user should see them: each frame of a bundle mapped back through its source map to the
 * original file, line and column (the `.ts` source), and flarelet's own frames (core, the plugins,
 * `node:internal`, undici) left out, unless `debug` asks for everything.
 *
 * Every loaded worker registers the files its code comes from (a bundle with its map, or the files the
 * per-file loader read, which need no mapping); a stack is rewritten as text, so that it works for errors of
 * either realm (a worker's own, or a host API's TypeError thrown at the worker's call). A stack with no
 * frame of any worker is flarelet's own (a plugin's bug): it is left whole.
 */
import { SourceMap } from "node:module";

interface RegisteredFile {
  /** The bundle's map; undefined for a file shown as it is. */
  readonly map: SourceMap | undefined;
  readonly owner: object;
}

const files = new Map<string, RegisteredFile>();

/**
 * Registers the files of one load (`owner`): a bundle (`path` and its source map JSON), or plain files.
 * The bundle's sources count as the worker's files too.
 */
export function registerWorkerFiles(owner: object, plain: Iterable<string>, bundle?: { path: string; sourceMap: string }): void {
  for (const file of plain) files.set(file, { map: undefined, owner });
  if (bundle === undefined) return;
  try {
    const payload = JSON.parse(bundle.sourceMap) as { sources?: string[] };
    files.set(bundle.path, { map: new SourceMap(payload as never), owner });
    for (const source of payload.sources ?? []) files.set(source, { map: undefined, owner });
  } catch {
    // A map we cannot read only means unmapped frames.
  }
}

/** Forgets what `owner` registered, unless a later load of the same files took them over. */
export function unregisterWorkerFiles(owner: object): void {
  for (const [file, entry] of files) if (entry.owner === owner) files.delete(file);
}

/** A frame line: "    at name (file:line:column)" or "    at file:line:column". */
const FRAME = /^(\s+at (?:async )?)(?:(.*?) \()?(.+?):(\d+):(\d+)(\)?)$/;

/** `stack` with bundle frames mapped to their sources and, unless `debug`, only the worker's frames kept. */
export function mapStack(stack: string, debug = false): string {
  if (files.size === 0) return stack;
  const lines = stack.split("\n");
  let userFrames = 0;
  const out: { text: string; user: boolean | undefined }[] = lines.map((line) => {
    const match = FRAME.exec(line);
    if (match === null) return { text: line, user: undefined };
    const [, at, name, file, lineText, columnText, close] = match as unknown as string[];
    const entry = files.get(file!);
    // Not the worker's: dropped below, except native frames ("at Array.map (<anonymous>)").
    if (entry === undefined) return { text: line, user: false };
    userFrames++;
    if (entry.map === undefined) return { text: line, user: true };
    const origin = entry.map.findEntry(Number(lineText) - 1, Number(columnText) - 1) as {
      originalSource?: string;
      originalLine?: number;
      originalColumn?: number;
      name?: string;
    };
    if (origin.originalSource === undefined) return { text: line, user: true };
    const location = `${origin.originalSource}:${origin.originalLine! + 1}:${origin.originalColumn! + 1}`;
    const shownName = name ?? origin.name;
    return { text: shownName === undefined || shownName === "" ? `${at}${location}` : `${at}${shownName} (${location}${close === "" ? ")" : close}`, user: true };
  });
  if (userFrames === 0) return stack;
  return out
    .filter((line) => debug || line.user !== false || FRAME.exec(line.text) === null || isNative(line.text))
    .map((line) => line.text)
    .join("\n");
}

function isNative(line: string): boolean {
  return /\((?:<anonymous>|native)\)$/.test(line);
}

/** Whether `file` is one a loaded worker's code comes from (for the error page's source excerpts). */
export function isWorkerFile(file: string): boolean {
  const entry = files.get(file);
  return entry !== undefined && entry.map === undefined;
}

/** The stacks of errors whose `stack` was rewritten (dispatchFetch's rejections), for `debug` output. */
const rawStacks = new WeakMap<object, string>();

/** Rewrites `error.stack` as `mapStack` shows it, keeping the original for debug output. */
export function mapErrorStack(error: unknown): void {
  try {
    if (typeof error !== "object" || error === null) return;
    const stack = (error as { stack?: unknown }).stack;
    if (typeof stack !== "string" || rawStacks.has(error)) return;
    const mapped = mapStack(stack);
    if (mapped === stack) return;
    rawStacks.set(error, stack);
    (error as { stack: string }).stack = mapped;
  } catch {
    // A frozen error, or a throwing stack getter: it goes as it is.
  }
}

/** The stack `error` had before `mapErrorStack`, if it was rewritten. */
export function rawStackOf(error: object): string | undefined {
  return rawStacks.get(error);
}
