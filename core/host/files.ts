/**
 * Reading the host's files, once for every area: whole-file reads with osquery's `--read_max`
 * limit, directory listings, and the path helpers the tables share (joining, roots for fixture
 * trees and mount namespaces, C-locale order). Every reader answers `undefined` or an empty list
 * for a file that is missing, denied or of the wrong kind, never an exception: tables read files
 * that vanish under them. The file tables' fast statx/readdir binding is `tables/files/_fs.ts`.
 *
 * @module
 */
import { defineFlag, flags } from "../flags.ts";

defineFlag({
  name: "read_max",
  type: "uint64",
  default: 50 * 1024 * 1024,
  description: "Largest file, in bytes, a table will read",
});

/** The largest file, in bytes, the tables read (`--read_max`). */
export function readMax(): number {
  return flags.number("read_max");
}

/** True when `path` exists (following symlinks); false on any error (missing, denied, dangling link). */
export function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** True when `path` is a directory (following symlinks). */
export function isDirectory(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

/** True when `path` is a regular file (following symlinks). */
export function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * A file's bytes, or `undefined` when it is missing, unreadable, not a regular file (a directory,
 * or a FIFO or device, whose read could block or never end), or larger than `--read_max` (osquery's
 * readFile refuses those too). procfs and sysfs files report size 0 and are read whole; the limit is
 * checked again on what was read.
 */
export function readBytes(path: string): Uint8Array | undefined {
  try {
    const info = Deno.statSync(path);
    if (!info.isFile) return undefined;
    const max = readMax();
    if (info.size > max) return undefined;
    const bytes = Deno.readFileSync(path);
    return bytes.length > max ? undefined : bytes;
  } catch {
    return undefined;
  }
}

const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * A file's text (invalid UTF-8 replaced, a byte order mark kept), or `undefined` as
 * {@linkcode readBytes}.
 */
export function readText(path: string): string | undefined {
  const bytes = readBytes(path);
  return bytes === undefined ? undefined : utf8.decode(bytes);
}

/** Sorts like C's strcmp on UTF-8 (glob's order in the C locale). */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The entries of a directory, sorted by name; empty when it cannot be listed. */
export function listDir(path: string): Deno.DirEntry[] {
  try {
    return [...Deno.readDirSync(path)].sort((a, b) => byteOrder(a.name, b.name));
  } catch {
    return [];
  }
}

/**
 * The names in a directory in the kernel's readdir order (unsorted: for hot paths such as
 * `/proc/<pid>/fd`, where the caller orders what it keeps); empty when it cannot be listed.
 */
export function listNames(path: string): string[] {
  const names: string[] = [];
  try {
    for (const entry of Deno.readDirSync(path)) names.push(entry.name);
  } catch {
    // Gone or denied: no entries.
  }
  return names;
}

/**
 * The non-directory entries of `dir` as full paths, sorted, without dot-files: what osquery's
 * `listFilesInDirectory` (a `dir/*` glob) yields. Empty when `dir` is missing or not a directory.
 */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  try {
    for (const entry of Deno.readDirSync(dir)) {
      if (entry.name.startsWith(".")) continue;
      const path = joinPath(dir, entry.name);
      const isDir = entry.isSymlink ? isDirectory(path) : entry.isDirectory;
      if (!isDir) out.push(path);
    }
  } catch {
    return [];
  }
  return out.sort(byteOrder);
}

/** Joins a directory and a name with one slash, like boost's `operator/` ("" joins to the name). */
export function joinPath(dir: string, name: string): string {
  if (dir === "") return name;
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

/**
 * `path` (absolute, as the host sees it) under `root`: the prefix fixture trees and other mount
 * namespaces (`/proc/<pid>/root`) are read through ("" is the host's own root).
 */
export function underRoot(root: string, path: string): string {
  if (root === "") return path;
  return root.replace(/\/+$/, "") + (path.startsWith("/") ? path : `/${path}`);
}
