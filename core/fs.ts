/**
 * Small filesystem helpers more than one area needs. Area-specific readers stay in the area's
 * `_lib.ts`; the file tables' fast statx/readdir binding is `tables/files/_fs.ts`.
 *
 * @module
 */

/** True when `path` exists (following symlinks); false on any error (missing, denied, dangling link). */
export function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Reads a text file, or `undefined` when it cannot be read (missing, a directory, no permission). */
export function readText(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
}

/** Reads a file's bytes, or `undefined` when it cannot be read. */
export function readBytes(path: string): Uint8Array | undefined {
  try {
    return Deno.readFileSync(path);
  } catch {
    return undefined;
  }
}
