/**
 * Reading the host's files, once for every area: whole-file reads with osquery's `--read_max`
 * limit, directory listings, and the path helpers the tables share (joining, roots for fixture
 * trees and mount namespaces, C-locale order). Every reader answers `undefined` or an empty list
 * for a file that is missing, denied or of the wrong kind, never an exception: tables read files
 * that vanish under them. The fast statx/readdir binding is `statx.ts`; the LIKE-pattern walk is `glob.ts`.
 *
 * @module
 */
import { defineFlag, flags } from "../flags/flags.ts";
import { AT_EMPTY_PATH, S_IFDIR, S_IFMT, S_IFREG, STATX_TYPE_SIZE, tryLibc } from "./libc.ts";

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

/** True when `path` is a directory (following symlinks). */
export function isDirectory(path: string): boolean {
  return fileType(path) === S_IFDIR;
}

/** True when `path` is a regular file (following symlinks). */
export function isFile(path: string): boolean {
  return fileType(path) === S_IFREG;
}

/**
 * The S_IFMT bits of `path`'s mode, following symlinks; undefined on any error. One statx call
 * of its own rather than statx.ts's whole stat: the tables that only read files (processes) do not
 * load that module.
 */
function fileType(path: string): number | undefined {
  if (path.includes("\0")) return undefined; // C would read a shorter path
  const c = tryLibc();
  if (c === undefined) {
    try {
      const info = Deno.statSync(path);
      return info.isFile ? S_IFREG : info.isDirectory ? S_IFDIR : 0;
    } catch {
      return undefined;
    }
  }
  if (c.statx(AT_FDCWD, cPath(path), 0, STATX_TYPE, statBuffer) !== 0) return undefined;
  return statView.getUint16(28, true) & S_IFMT;
}

const AT_FDCWD = -100;
const STATX_TYPE = 0x1;
const F_OK = 0;
const O_RDONLY_NONBLOCK_CLOEXEC = 0o4000 | 0o2000000;
/** Above this, the shared read buffer is given back after a read. */
const KEEP_BUFFER = 1 << 20;

const encoder = new TextEncoder();
let pathBuffer = new Uint8Array(4096);
let dataBuffer = new Uint8Array(1 << 16);
const statBuffer = new Uint8Array(256);
const statView = new DataView(statBuffer.buffer);
const emptyPath = new Uint8Array(1);

/** `path` NUL-terminated in the shared path buffer. */
function cPath(path: string): Uint8Array {
  if (path.length * 3 + 1 > pathBuffer.length) pathBuffer = new Uint8Array(path.length * 3 + 1);
  const { written } = encoder.encodeInto(path, pathBuffer);
  pathBuffer[written] = 0;
  return pathBuffer;
}

/**
 * A regular file's bytes as a view of the shared buffer (valid until the next read), or
 * undefined. Through libc, a failure is a return code rather than a thrown exception (tables
 * read thousands of files, many of them gone or denied), and the open is non-blocking so a FIFO
 * cannot stall the query before its type is seen.
 */
function readShared(path: string): Uint8Array | undefined {
  if (path.includes("\0")) return undefined; // C would read a shorter path
  const c = tryLibc();
  if (c === undefined) return readWithDeno(path);
  const fd = c.open(cPath(path), O_RDONLY_NONBLOCK_CLOEXEC, 0);
  if (fd < 0) return undefined;
  try {
    if (c.statx(fd, emptyPath, AT_EMPTY_PATH, STATX_TYPE_SIZE, statBuffer) !== 0) return undefined;
    if ((statView.getUint16(28, true) & S_IFMT) !== S_IFREG) return undefined;
    const max = readMax();
    const size = statView.getUint32(40, true) + statView.getUint32(44, true) * 2 ** 32;
    if (size > max) return undefined;
    if (size + 1 > dataBuffer.length) dataBuffer = new Uint8Array(size + 1);
    let length = 0;
    for (;;) {
      if (length === dataBuffer.length) {
        if (length > max) return undefined;
        const bigger = new Uint8Array(dataBuffer.length * 2);
        bigger.set(dataBuffer);
        dataBuffer = bigger;
      }
      // Ask for what the file holds, then as much again: procfs and sysfs allocate a kernel buffer
      // of the size asked for on every read, the last one (end of file) included, so a file
      // reporting size 0 is asked a page at a time, growing, not the whole buffer.
      const want = Math.min(
        dataBuffer.length - length,
        length === 0 ? Math.max(size + 1, 4096) : Math.max(length, 4096),
      );
      const n = Number(c.read(fd, dataBuffer.subarray(length), BigInt(want)));
      if (n < 0) return undefined;
      if (n === 0) break;
      length += n;
    }
    return length > max ? undefined : dataBuffer.subarray(0, length);
  } finally {
    c.close(fd);
  }
}

/** The same read without libc (not Linux): the Deno APIs, regular files only. */
function readWithDeno(path: string): Uint8Array | undefined {
  try {
    const info = Deno.statSync(path);
    const max = readMax();
    if (!info.isFile || info.size > max) return undefined;
    const bytes = Deno.readFileSync(path);
    return bytes.length > max ? undefined : bytes;
  } catch {
    return undefined;
  }
}

/** Gives a grown shared buffer back, so one large file does not stay in memory. */
function releaseLargeBuffer(): void {
  if (dataBuffer.length > KEEP_BUFFER) dataBuffer = new Uint8Array(1 << 16);
}

/**
 * A file's bytes (a copy the caller keeps), or `undefined` when it is missing, unreadable, not a
 * regular file (a directory, or a FIFO or device, whose read could block or never end), or larger
 * than `--read_max` (osquery's readFile refuses those too). procfs and sysfs files report size 0
 * and are read whole; the limit is checked again on what was read.
 */
export function readBytes(path: string): Uint8Array | undefined {
  const bytes = readShared(path)?.slice();
  releaseLargeBuffer();
  return bytes;
}

const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * A file's text (invalid UTF-8 replaced, a byte order mark kept), or `undefined` as
 * {@linkcode readBytes}.
 */
export function readText(path: string): string | undefined {
  const bytes = readShared(path);
  const text = bytes === undefined ? undefined : utf8.decode(bytes);
  releaseLargeBuffer();
  return text;
}

/**
 * Reads {@linkcode readProcText} answers with Deno's read before it hands over to readText's libc
 * calls. A one-shot scan reads a few hundred /proc files once: Deno's one-call read costs about
 * half of libc's there, whose call stubs are compiled only after their first 64 calls
 * (core/runtime/tiered_ffi.ts). A process that scans again and again (the daemon, a console) is
 * past this after a few scans, and the compiled libc calls read about a fifth faster.
 */
const PROC_DENO_READS = 1024;
let procDenoReads = 0;

/**
 * The text of a kernel pseudo-file of the live host's procfs or sysfs (`/proc/<pid>/stat`), as
 * {@linkcode readText} reads it (same decoding, `--read_max`, `undefined` for a missing, denied or
 * unreadable file), at the least cost for the one-shot command and the long-running one alike
 * (Deno's one-call read first, then readText's compiled libc calls: see PROC_DENO_READS). Only
 * for procfs and sysfs, whose files are never FIFOs or devices: Deno's read has no non-blocking
 * open, so a FIFO would block it. A file of a fixture tree or another root may be anything: read
 * those with readText.
 */
export function readProcText(path: string): string | undefined {
  if (procDenoReads >= PROC_DENO_READS) return readText(path);
  procDenoReads++;
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
  // Each UTF-16 unit of the text stands for at most three bytes of the file, so only a text longer
  // than a third of the limit can be over it: that rare file is read again, its bytes counted.
  return text.length * 3 > readMax() ? readText(path) : text;
}

/** True when `path` exists (following symlinks); false on any error (missing, denied, dangling link). */
export function exists(path: string): boolean {
  if (path.includes("\0")) return false; // C would check a shorter path
  const c = tryLibc();
  if (c !== undefined) return c.access(cPath(path), F_OK) === 0;
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The target of a symbolic link; undefined when it is not one or cannot be read. */
export function readLink(path: string): string | undefined {
  if (path.includes("\0")) return undefined; // C would read a shorter path
  const c = tryLibc();
  if (c === undefined) {
    try {
      return Deno.readLinkSync(path);
    } catch {
      return undefined;
    }
  }
  const n = Number(c.readlink(cPath(path), dataBuffer, BigInt(dataBuffer.length)));
  return n <= 0 ? undefined : utf8.decode(dataBuffer.subarray(0, n));
}

/** Sorts like C's strcmp on UTF-8 (glob's order in the C locale). */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The entries of a directory, sorted by name; empty when it cannot be listed. */
export function listDir(path: string): Deno.DirEntry[] {
  // Tables mostly probe directories that may not be there (an application's, a user's): a
  // missing one costs one access(2) instead of the NotFound error Deno builds with its stack.
  if (!exists(path)) return [];
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
