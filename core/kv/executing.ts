/**
 * Marks of the scheduled queries running now, for the watchdog's blame after a worker dies
 * mid-query (osquery's executing-query key): a small file beside the database
 * (`<database>.executing`), rewritten in place when a query starts or ends. One write of a few
 * hundred bytes costs ~20 µs where a Deno KV commit cost ~0.25 ms of CPU, and a daemon runs
 * hundreds of queries a minute. A write that returned is in the page cache, so a process killed
 * at any point (kill -9, the watchdog) leaves the marks of the queries it was running for the
 * next worker; one write syscall replaces the whole text (padded with spaces, never truncated),
 * so the file never holds half of two versions.
 *
 * The daemon's query threads mark their own runs, each in a file of its own beside it
 * (`<database>.executing.<slot>`, {@linkcode threadMarksPath}): a thread is handed a tick's
 * queries at once and marks each as it starts it, where a mark written by the daemon's thread
 * would wake it once per query. The marks of the main file read those files' leftovers too.
 *
 * @module
 */
import { directoryOf } from "../host/paths.ts";

/** A scheduled query that started and has not finished. */
export interface ExecutingQuery {
  since: number;
  /** The OS thread running it (for the watchdog to tell which query burned CPU). */
  tid: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Raised when the marks file cannot be written (a full disk, permissions). */
export class ExecutingMarksError extends Error {
  constructor(path: string, cause: Error, remedy = "free space or fix its permissions") {
    super(`Cannot write the running queries' marks to ${path}: ${cause.message}; ${remedy}.`);
    this.name = "ExecutingMarksError";
  }
}

/** The marks file of query thread `slot` (0, 1, ...) beside the main marks file `path`. */
export function threadMarksPath(path: string, slot: number): string {
  return `${path}.${slot}`;
}

/**
 * Empties a query thread's marks file once its thread was ended on purpose (the daemon
 * stopping): its queries did not fail, they were stopped. Best effort; a missing file is fine.
 */
export function clearThreadMarks(path: string): void {
  try {
    Deno.truncateSync(path);
  } catch {
    // No file, or no room to say so: the next start may warn about the query.
  }
}

/** The query threads' marks files that exist beside `path`. */
function threadMarksFiles(path: string): string[] {
  const dir = directoryOf(path);
  const prefix = `${path.slice(path.lastIndexOf("/") + 1)}.`;
  const found: string[] = [];
  try {
    for (const e of Deno.readDirSync(dir)) {
      if (e.isFile && e.name.startsWith(prefix) && /^\d+$/.test(e.name.slice(prefix.length))) {
        found.push(`${dir === "/" ? "" : dir}/${e.name}`);
      }
    }
  } catch {
    // No directory: no files.
  }
  return found.sort();
}

/** The marks file of one database (or marks held in memory only, for a database in memory). */
export class ExecutingMarks {
  readonly #path: string | undefined;
  #file: Deno.FsFile | undefined;
  readonly #marks = new Map<string, ExecutingQuery>();
  /** Bytes the file holds (a shorter text is padded to this). */
  #length = 0;
  /** Marks a previous process left, read before this one wrote any. */
  readonly #leftovers: [string, ExecutingQuery][];

  /** Query threads' marks files whose leftovers this instance read (emptied with them). */
  readonly #threadFiles: string[] = [];

  /**
   * `path` undefined: marks live in memory only (nothing survives the process anyway). The
   * daemon's main file (`threads`: true) also reads the leftovers of the query threads' files
   * beside it; a query thread's own file (`fresh`: true) has its old text written over, unread.
   */
  constructor(path: string | undefined, options: { threads?: boolean; fresh?: boolean } = {}) {
    this.#path = path;
    const bytes = path === undefined ? new Uint8Array() : readMarksFile(path);
    // A shorter text is padded over what is there.
    this.#length = bytes.length;
    this.#leftovers = options.fresh ? [] : parseMarks(decoder.decode(bytes));
    if (path !== undefined && options.threads) {
      for (const file of threadMarksFiles(path)) {
        this.#threadFiles.push(file);
        this.#leftovers.push(...parseMarks(decoder.decode(readMarksFile(file))));
      }
    }
  }

  /** The file the marks are written to (undefined: in memory only). */
  get path(): string | undefined {
    return this.#path;
  }

  /** Marks the previous process left (queries it was running when it died). */
  leftovers(): [string, ExecutingQuery][] {
    return [...this.#leftovers];
  }

  /** Forgets the previous process's marks (once they have been acted on). */
  clearLeftovers(): void {
    // The threads' files are emptied whether or not they held marks (no thread runs yet).
    for (const file of this.#threadFiles.splice(0)) {
      try {
        Deno.truncateSync(file);
      } catch (err) {
        throw new ExecutingMarksError(file, err as Error);
      }
    }
    if (this.#leftovers.length === 0) return;
    this.#leftovers.length = 0;
    this.#write();
  }

  /** Marks `name` as running (written before this returns). */
  set(name: string, mark: ExecutingQuery): void {
    this.#marks.set(name, mark);
    this.#write();
  }

  /** Marks `name` as finished; `write` false leaves the file to the next write (a set that follows at once). */
  delete(name: string, write = true): void {
    if (this.#marks.delete(name) && write) this.#write();
  }

  /** The marks set now (this process's). */
  current(): [string, ExecutingQuery][] {
    return [...this.#marks];
  }

  /** Closes the file. */
  close(): void {
    this.#file?.close();
    this.#file = undefined;
  }

  #write(): void {
    if (this.#path === undefined) return;
    const text = JSON.stringify([...this.#leftovers, ...this.#marks]);
    const bytes = encoder.encode(text.padEnd(this.#length, " "));
    try {
      this.#file ??= Deno.openSync(this.#path, { read: true, write: true, create: true, mode: 0o600 });
      this.#file.seekSync(0, Deno.SeekMode.Start);
      let done = 0;
      while (done < bytes.length) done += this.#file.writeSync(bytes.subarray(done));
    } catch (err) {
      throw new ExecutingMarksError(this.#path, err as Error);
    }
    this.#length = Math.max(this.#length, bytes.length);
  }
}

/** A marks file's bytes (none when it does not exist); a FIFO or device there is refused by name. */
function readMarksFile(path: string): Uint8Array {
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(path);
  } catch {
    return new Uint8Array();
  }
  // A FIFO or device there would block the read or take the writes: refuse it by name.
  if (!info.isFile) {
    throw new ExecutingMarksError(
      path,
      new Error("not a regular file"),
      "remove it, or choose another --database_path",
    );
  }
  return Deno.readFileSync(path);
}

/** The marks a file's text holds; none when it is empty or unreadable (nothing to blame then). */
function parseMarks(text: string): [string, ExecutingQuery][] {
  try {
    const parsed = text.trim() ? JSON.parse(text) as unknown : [];
    if (!Array.isArray(parsed)) return [];
    return parsed.filter((e): e is [string, ExecutingQuery] =>
      Array.isArray(e) && typeof e[0] === "string" && typeof e[1]?.tid === "number"
    );
  } catch {
    return [];
  }
}
