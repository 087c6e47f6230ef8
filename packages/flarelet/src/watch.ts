/**
 * `watch: true`: reload the worker when one of its files changes.
 *
 * What is watched: every file of the last good load (core's "reload" event lists the script and every module
 * it imported), plus wrangler.toml and .env (even before they exist). One `fs.watch` per folder, not per
 * file, so that an editor that saves by writing a new file and renaming it over the old one (vim, many IDEs)
 * is still seen: a watch on the file itself would follow the old, deleted inode and go quiet.
 *
 *     change ─► debounce (5 ms) ─► reload ─► "Reloaded in 4.2ms"  (or the error, old version keeps serving)
 *
 * Changes that arrive while a reload runs are gathered and trigger one more reload after it. After a failed
 * reload any file in the watched folders triggers a retry, because the broken version may import a module
 * that the last good one did not (and so is not in the list).
 *
 * A folder that does not exist yet (the script's, a custom build's output folder) is waited for: its nearest
 * existing ancestor is watched until it appears. A custom build's `watch_dir`s are watched whole
 * (recursively): any change there rebuilds.
 */
import { existsSync, statSync, watch as fsWatch, type FSWatcher } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type { Log } from "@flarelet/core";

/**
 * Editors save in bursts (truncate, write, rename, chmod) that take well under a millisecond: one reload per
 * burst. Kept short because the whole edit-to-new-version loop is meant to take under 15 ms. If a slow
 * writer is caught half-way, that reload fails (the old version keeps serving) and the rest of the write
 * triggers the next one.
 */
export const DEBOUNCE_MS = 5;

/** How long a reload waits when a changed worker file is empty: a write in progress, most likely. */
const EMPTY_FILE_WAIT_MS = 50;

export interface WatcherOptions {
  log: Log;
  /** Reloads the worker; `configChanged` when wrangler.toml or .env was among the changes. */
  reload(configChanged: boolean): Promise<void>;
  debounceMs?: number;
}

export class Watcher {
  readonly #log: Log;
  readonly #reload: (configChanged: boolean) => Promise<void>;
  readonly #debounceMs: number;
  /** Folder → its watcher. */
  readonly #folders = new Map<string, FSWatcher>();
  #workerFiles = new Set<string>();
  #configFiles = new Set<string>();
  /** Folders watched whole, recursively (a custom build's watch_dir). */
  #trees = new Set<string>();
  #changed = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #failed = false;
  /** A reload that re-read the configuration failed: the next try must read it again too. */
  #configDirty = false;
  #closed = false;
  /** The current batch of changes was already held back once for an empty file. */
  #waitedForEmpty = false;

  constructor(options: WatcherOptions) {
    this.#log = options.log;
    this.#reload = options.reload;
    this.#debounceMs = options.debounceMs ?? DEBOUNCE_MS;
  }

  /** The worker's files, from the last successful load. */
  setWorkerFiles(files: Iterable<string>): void {
    this.#workerFiles = new Set([...files].map((file) => path.resolve(file)));
    this.#rearm();
  }

  /** wrangler.toml and .env: a change to them re-reads the configuration. */
  setConfigFiles(files: Iterable<string>): void {
    this.#configFiles = new Set([...files].map((file) => path.resolve(file)));
    this.#rearm();
  }

  /** Folders any change under which reloads the worker (a custom build's inputs). */
  setWatchDirs(dirs: Iterable<string>): void {
    this.#trees = new Set([...dirs].map((dir) => path.resolve(dir)));
    this.#rearm();
  }

  /** Every file being watched, for diagnostics and tests. */
  get files(): string[] {
    return [...new Set([...this.#workerFiles, ...this.#configFiles])].sort();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const watcher of this.#folders.values()) watcher.close();
    this.#folders.clear();
  }

  /**
   * Opens a watcher for each folder that holds a watched file (or the nearest existing ancestor of one that
   * does not exist yet) and for each watched tree, and closes the ones no longer needed.
   */
  #rearm(): void {
    if (this.#closed) return;
    const wanted = new Map<string, boolean>(); // folder → recursive
    for (const file of this.files) wanted.set(existingAncestor(path.dirname(file)), false);
    for (const tree of this.#trees) wanted.set(existingAncestor(tree), existsSync(tree));
    for (const [key, watcher] of this.#folders) {
      const [folder, recursive] = splitKey(key);
      if (wanted.get(folder) !== recursive) {
        watcher.close();
        this.#folders.delete(key);
      }
    }
    for (const [folder, recursive] of wanted) {
      const key = `${recursive ? "R" : "F"}${folder}`;
      if (this.#folders.has(key)) continue;
      try {
        // Not persistent: a watcher alone does not keep the process alive (a server does).
        const watcher = fsWatch(folder, { persistent: false, recursive }, (_event, name) => this.#onEvent(folder, name));
        watcher.on("error", (error) => {
          this.#log.debug(`Stopped watching ${folder}: ${error.message}`);
          watcher.close();
          this.#folders.delete(key);
        });
        this.#folders.set(key, watcher);
      } catch (error) {
        this.#log.debug(`Cannot watch ${folder}: ${(error as Error).message}`);
      }
    }
  }

  #onEvent(folder: string, name: string | Buffer | null): void {
    if (this.#closed) return;
    // Linux and macOS always give the name; without one, assume the worst.
    const file = name === null ? undefined : path.join(folder, name.toString());
    // A folder we were waiting for appeared (or went): watch inside it from now on, and try a reload, since
    // what it holds may have been written before the new watcher started.
    const awaited = file !== undefined && this.#awaited(file);
    if (awaited) this.#rearm();
    if (file !== undefined && !awaited && !this.#isWatched(file)) return;
    this.#changed.add(file ?? folder);
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#flush(), this.#debounceMs);
    this.#timer.unref();
  }

  /** Whether `file` is (or leads to) a folder that holds watched files but did not exist when last armed. */
  #awaited(file: string): boolean {
    const prefix = file + path.sep;
    return this.#trees.has(file) || [...this.files, ...this.#trees].some((watched) => watched.startsWith(prefix));
  }

  #isWatched(file: string): boolean {
    if (this.#workerFiles.has(file) || this.#configFiles.has(file)) return true;
    for (const tree of this.#trees) if (file.startsWith(tree + path.sep)) return !isEditorNoise(path.basename(file));
    return this.#failed && !isEditorNoise(path.basename(file));
  }

  #flush(): void {
    // One reload at a time; what changed meanwhile is picked up by the next.
    if (this.#running !== undefined || this.#changed.size === 0 || this.#closed) return;
    // A worker file seen empty is most likely being written (truncated first, then filled): give the writer
    // a moment, once, rather than load an empty worker that would then count as the last good version.
    if (!this.#waitedForEmpty && [...this.#changed].some((file) => this.#workerFiles.has(file) && isEmptyFile(file))) {
      this.#waitedForEmpty = true;
      this.#timer = setTimeout(() => this.#flush(), EMPTY_FILE_WAIT_MS);
      this.#timer.unref();
      return;
    }
    this.#waitedForEmpty = false;
    const changed = [...this.#changed];
    this.#changed.clear();
    const configChanged = this.#configDirty || changed.some((file) => this.#configFiles.has(file));
    this.#running = this.#run(changed, configChanged).finally(() => {
      this.#running = undefined;
      this.#flush();
    });
  }

  async #run(changed: string[], configChanged: boolean): Promise<void> {
    this.#log.debug(`Changed: ${changed.map((file) => path.relative(process.cwd(), file) || file).join(", ")}`);
    const start = performance.now();
    try {
      await this.#reload(configChanged);
      this.#failed = false;
      this.#configDirty = false;
      this.#log.info(`Reloaded in ${(performance.now() - start).toFixed(1)}ms`);
    } catch (error) {
      if (this.#closed) return;
      this.#failed = true;
      if (configChanged) this.#configDirty = true;
      this.#log.error(error);
      this.#log.warn("Reload failed; the last good version keeps serving. Fix the error and save again.");
    }
  }
}

function isEmptyFile(file: string): boolean {
  try {
    return statSync(file).size === 0;
  } catch {
    return false;
  }
}

/** `folder` if it exists, else its nearest ancestor that does. */
function existingAncestor(folder: string): string {
  let current = folder;
  while (!existsSync(current)) {
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return current;
}

/** A watcher's key: "R" (recursive) or "F" (folder only), then the folder. */
function splitKey(key: string): [string, boolean] {
  return [key.slice(1), key.startsWith("R")];
}

/** Swap, backup and lock files that editors write next to the real one. */
function isEditorNoise(name: string): boolean {
  return name.startsWith(".") || name.endsWith("~") || /\.(swp|swx|tmp)$/.test(name) || name === "4913";
}
