/** `useTempDir()`: a fresh folder under the OS temp folder for each test, removed after it. */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach } from "vitest";

export interface TempDir {
  readonly path: string;
  /** Writes a file (making its folders) and returns its absolute path. */
  write(relative: string, contents: string | Uint8Array): Promise<string>;
}

/** Call at the top of a `describe` block or a file: it registers its own `beforeEach`/`afterEach`. */
export function useTempDir(prefix = "flarelet-test-"): TempDir {
  let dir: string | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  });
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });
  const current = (): string => {
    if (dir === undefined) throw new Error("useTempDir(): only usable inside a test");
    return dir;
  };
  return {
    get path(): string {
      return current();
    },
    async write(relative: string, contents: string | Uint8Array): Promise<string> {
      const file = path.join(current(), relative);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, contents);
      return file;
    },
  };
}
