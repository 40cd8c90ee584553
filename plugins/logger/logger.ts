/**
 * Logger plugins: where result lines and status messages go. `--logger_plugin` names one or
 * more (comma-separated). The filesystem logger is exactly-once with the store: before writing
 * an outbox entry it records the file offset (an intent); a crash between the write and the
 * "shipped" mark is undone at the next start by cutting the file back to that offset, so the
 * entry is written once. stdout and syslog cannot take a write back: they are at-least-once.
 *
 * @module
 */
import "./flags.ts";
import { flags } from "../../core/flags/flags.ts";
import type { Store } from "../../core/kv/store.ts";
import { zstdCompress } from "../../core/compress/zstd.ts";
import { exists } from "../../core/host/files.ts";
import { callerLocation } from "../../core/runtime/source_location.ts";

// Status severities as glog numbers them: defined once in core, where the result pipeline reports.
export { Severity } from "../../core/results/status.ts";

/** One status message. */
export interface StatusRecord {
  severity: number;
  message: string;
  /** Source location shown in the glog prefix. */
  file: string;
  line: number;
  time: Date;
}

/** What a logger may use from the daemon. */
export interface LoggerContext {
  /** Writes a status message (the daemon's status log); default: stderr for warnings and errors. */
  status?: (severity: number, message: string) => void;
  /** The host identifier (`--host_identifier`) for status records and partition keys; default: the hostname. */
  hostIdentifier?: () => string | Promise<string>;
  /** The daemon's current decorations, added to status records. */
  decorations?: () => Record<string, string>;
}

/** A logger plugin. */
export interface Logger {
  readonly name: string;
  /**
   * True when the lines of several consecutive outbox entries may arrive in one
   * {@linkcode logLines} call (with the last entry's `seq`); loggers that track progress per
   * entry leave it unset.
   */
  readonly batchable?: boolean;
  /** Writes the lines of outbox entry `seq` (snapshot lines go to the snapshot log). */
  logLines(category: "result" | "snapshot", lines: string[], seq: bigint): Promise<void>;
  /** Writes a status message. */
  logStatus(record: StatusRecord): void;
  /** Undoes a write interrupted by a crash (exactly-once loggers only). */
  recover(): Promise<void>;
  /**
   * The write intent to leave standing in the commit that retires the entries just written:
   * where the next write starts, so that write needs no commit of its own before it. Undefined
   * (or no method): the intent is deleted.
   */
  nextIntent?(): unknown;
  /** The commit that retired the entries left `intent` standing (undefined: deleted it). */
  intentCommitted?(intent: unknown): void;
  /** The daemon stops shipping: drop what stands for a next write. */
  settle?(): Promise<void>;
  close(): void;
}

const encoder = new TextEncoder();
const SEVERITY_LETTER = ["I", "W", "E", "F"];
const SEVERITY_NAME = ["INFO", "WARNING", "ERROR", "FATAL"];

/** The glog prefix: `I1123 20:14:12.123456  1234 file.ts:12] `. */
export function glogPrefix(r: StatusRecord, tid = Deno.pid): string {
  const t = r.time;
  const p2 = (n: number) => String(n).padStart(2, "0");
  const micros = String(t.getMilliseconds() * 1000).padStart(6, "0");
  return `${SEVERITY_LETTER[r.severity] ?? "I"}${p2(t.getMonth() + 1)}${p2(t.getDate())} ` +
    `${p2(t.getHours())}:${p2(t.getMinutes())}:${p2(t.getSeconds())}.${micros} ${String(tid).padStart(5)} ` +
    `${r.file}:${r.line}] `;
}

/** Parses an octal `--logger_mode` (e.g. "0640"); throws on anything else. */
export function loggerMode(text = flags.string("logger_mode")): number {
  if (text.length > 5 || !/^[0-7]+$/.test(text)) {
    throw new Error(`--logger_mode must be an octal UNIX permission such as 0640, not '${text}'.`);
  }
  const mode = parseInt(text, 8);
  if (mode <= 0 || mode > 0o7777) throw new Error(`--logger_mode ${text} is not a valid UNIX permission.`);
  return mode;
}

/**
 * Rotates `path` osquery's way: path → path.1, path.1 → path.2.zst (compressed), ... keeping
 * `maxFiles` rotated files. Each step is a rename or a finished compression, so a crash at any
 * point leaves every line in exactly one file: a half-done compression is redone (see
 * {@linkcode finishRotation}) and a gap in the numbering only keeps older files where they are.
 */
export function rotateFile(path: string, maxFiles: number): void {
  const nameOf = (i: number) => `${path}.${i}${i > 1 ? ".zst" : ""}`;
  finishRotation(path);
  let last = 1;
  while (exists(nameOf(last))) last++;
  // Shift from the oldest down so nothing is overwritten.
  for (let i = last; i > 2; i--) Deno.renameSync(nameOf(i - 1), nameOf(i));
  if (exists(nameOf(1))) {
    Deno.renameSync(nameOf(1), `${path}.2.pending`);
    finishRotation(path);
  }
  for (let i = last; i > Math.max(1, maxFiles); i--) if (exists(nameOf(i))) Deno.removeSync(nameOf(i));
  Deno.renameSync(path, nameOf(1));
}

/** Completes a compression of `path.2.pending` into `path.2.zst` interrupted by a crash. */
export function finishRotation(path: string): void {
  const pending = `${path}.2.pending`;
  if (!exists(pending)) return;
  if (!exists(`${path}.2.zst`)) {
    Deno.writeFileSync(`${path}.2.zst.tmp`, zstdCompress(Deno.readFileSync(pending)));
    Deno.renameSync(`${path}.2.zst.tmp`, `${path}.2.zst`);
  }
  Deno.removeSync(pending);
}

/**
 * A file logger's write intent: the size `file` had before a write of entry `seq`. A standing
 * intent (no `seq`) is where the next write starts, left by the commit that retired the last
 * one: a crash after that write and before its entries are retired is undone the same way.
 */
interface Intent {
  seq?: bigint;
  file: string;
  size: number;
}

/** Status lines kept per level while the disk refuses them. */
const PENDING_STATUS_LINES = 1000;

/**
 * Appends `bytes` whole or not at all: a write the disk cuts short is truncated back (so a later
 * retry does not leave half a line). Returns false when it did not fit.
 */
function writeWhole(file: Deno.FsFile, bytes: Uint8Array): boolean {
  let size = 0;
  try {
    size = file.statSync().size;
    let off = 0;
    while (off < bytes.length) off += file.writeSync(bytes.subarray(off));
    return true;
  } catch {
    try {
      file.truncateSync(size);
    } catch {
      // nothing more to undo
    }
    return false;
  }
}

/** osquery's filesystem logger: result/snapshot logs plus glog status files in `--logger_path`. */
export class FilesystemLogger implements Logger {
  readonly name = "filesystem";
  readonly batchable = true;
  readonly dir: string;
  readonly #store: Store | undefined;
  readonly #mode: number;
  readonly #status = new Map<number, Deno.FsFile>();
  /**
   * Status lines a full disk refused, per level, written before the next line that fits (so
   * the status log says what happened while it could not be written); at most
   * {@linkcode PENDING_STATUS_LINES}, the oldest dropped first.
   */
  readonly #pendingStatus = new Map<number, Uint8Array[]>();
  readonly #stamp: string;
  /** The standing intent the store holds (see {@linkcode Intent}), if any. */
  #standing: Intent | undefined;
  /** Where the file written last ends, for the next standing intent. */
  #next: Intent | undefined;

  constructor(dir = flags.string("logger_path"), store?: Store) {
    this.dir = dir.replace(/\/+$/, "") || "/";
    this.#store = store;
    this.#mode = loggerMode();
    Deno.mkdirSync(this.dir, { recursive: true });
    // Create the results log at start, as osquery does; finish a rotation a crash interrupted
    // (on a full disk that waits for the next rotation: the pending file keeps its lines).
    this.#open(this.resultsPath).close();
    for (const path of [this.resultsPath, this.snapshotsPath]) {
      try {
        finishRotation(path);
      } catch {
        // retried by the next rotation
      }
    }
    const d = new Date();
    const p2 = (n: number) => String(n).padStart(2, "0");
    this.#stamp = `${d.getFullYear()}${p2(d.getMonth() + 1)}${p2(d.getDate())}-${p2(d.getHours())}${
      p2(d.getMinutes())
    }${p2(d.getSeconds())}.${Deno.pid}`;
  }

  /** `osqueryd.results.log` in the logger path. */
  get resultsPath(): string {
    return `${this.dir}/osqueryd.results.log`;
  }

  /** `osqueryd.snapshots.log` in the logger path. */
  get snapshotsPath(): string {
    return `${this.dir}/osqueryd.snapshots.log`;
  }

  #open(path: string): Deno.FsFile {
    const file = Deno.openSync(path, { append: true, create: true, mode: this.#mode });
    return file;
  }

  async recover(): Promise<void> {
    this.#standing = undefined;
    this.#next = undefined;
    if (!this.#store) return;
    const intent = await this.#store.get<Intent>(["intent", this.name]);
    if (!intent) return;
    if (intent.seq === undefined || !(await this.#store.isShipped(this.name, intent.seq))) {
      try {
        if (Deno.statSync(intent.file).size > intent.size) Deno.truncateSync(intent.file, intent.size);
      } catch {
        // The file is gone (removed or rotated by hand): nothing to undo.
      }
    }
    await this.#store.delete(["intent", this.name]);
  }

  async logLines(category: "result" | "snapshot", lines: string[], seq: bigint): Promise<void> {
    const path = category === "snapshot" ? this.snapshotsPath : this.resultsPath;
    let size = 0;
    try {
      size = Deno.statSync(path).size;
    } catch {
      size = 0;
    }
    if (flags.bool("logger_rotate") && size >= flags.number("logger_rotate_size") && size > 0) {
      rotateFile(path, flags.number("logger_rotate_max_files"));
      size = 0;
    }
    this.#next = undefined;
    // The standing intent already says where this write starts: no commit is needed before it.
    const standing = this.#standing;
    if (this.#store && !(standing && standing.file === path && standing.size === size)) {
      this.#standing = undefined;
      await this.#store.set(["intent", this.name], { seq, file: path, size } satisfies Intent);
    }
    const file = this.#open(path);
    try {
      const bytes = encoder.encode(lines.join("\n") + "\n");
      let off = 0;
      while (off < bytes.length) off += file.writeSync(bytes.subarray(off));
      file.syncDataSync();
      this.#next = { file: path, size: size + bytes.length };
    } catch (err) {
      // A full disk may take part of the lines: cut them off, so the retry (the entries stay in
      // the outbox) writes each line once.
      try {
        file.truncateSync(size);
      } catch {
        // The intent undoes it at the next start.
      }
      throw new LoggerError(`Writing ${path} failed: ${(err as Error).message}`);
    } finally {
      file.close();
    }
  }

  nextIntent(): unknown {
    return this.#store ? this.#next : undefined;
  }

  intentCommitted(intent: unknown): void {
    this.#standing = intent as Intent | undefined;
    this.#next = undefined;
  }

  async settle(): Promise<void> {
    if (!this.#store || !this.#standing) return;
    this.#standing = undefined;
    // Left standing, it would cut off what another program appends to the file before the next start.
    await this.#store.delete(["intent", this.name]);
  }

  logStatus(r: StatusRecord): void {
    const line = encoder.encode(glogPrefix(r) + r.message + "\n");
    // glog: the INFO file has everything, WARNING has warnings and worse, ERROR errors and worse.
    for (let level = 0; level <= Math.min(r.severity, 2); level++) {
      let file = this.#status.get(level);
      if (!file) {
        const name = `osqueryd.${SEVERITY_NAME[level]}.${this.#stamp}`;
        const path = `${this.dir}/${name}`;
        let opened: Deno.FsFile | undefined;
        try {
          opened = this.#open(path);
          const header = encoder.encode(
            `Log file created at: ${r.time.toISOString().replace("T", " ").slice(0, 19)}\n` +
              `Running on machine: ${Deno.hostname()}\n` +
              `Log line format: [IWEF]mmdd hh:mm:ss.uuuuuu threadid file:line] msg\n`,
          );
          if (!writeWhole(opened, header)) throw new LoggerError(`${path}: no room for the header`);
          const link = `${this.dir}/osqueryd.${SEVERITY_NAME[level]}`;
          try {
            Deno.removeSync(link);
          } catch {
            // no previous link
          }
          Deno.symlinkSync(name, link);
        } catch {
          // An unwritable log dir (stderr still has the message) or a full disk: kept for later.
          opened?.close();
          this.#holdStatus(level, line);
          continue;
        }
        file = opened;
        this.#status.set(level, file);
      }
      const pending = this.#pendingStatus.get(level) ?? [];
      pending.push(line);
      while (pending.length > 0 && writeWhole(file, pending[0])) pending.shift();
      this.#pendingStatus.set(level, pending.slice(-PENDING_STATUS_LINES));
    }
  }

  #holdStatus(level: number, line: Uint8Array): void {
    const pending = this.#pendingStatus.get(level) ?? [];
    pending.push(line);
    this.#pendingStatus.set(level, pending.slice(-PENDING_STATUS_LINES));
  }

  close(): void {
    for (const f of this.#status.values()) f.close();
    this.#status.clear();
  }
}

/** Results to stdout as they are; status as `severity=N location=file:line message=...`. */
export class StdoutLogger implements Logger {
  readonly name = "stdout";
  readonly batchable = true;
  logLines(_category: "result" | "snapshot", lines: string[]): Promise<void> {
    Deno.stdout.writeSync(encoder.encode(lines.join("\n") + "\n"));
    return Promise.resolve();
  }
  logStatus(r: StatusRecord): void {
    Deno.stdout.writeSync(encoder.encode(`severity=${r.severity} location=${r.file}:${r.line} message=${r.message}\n`));
  }
  recover(): Promise<void> {
    return Promise.resolve();
  }
  close(): void {}
}

const syslogSymbols = {
  openlog: { parameters: ["buffer", "i32", "i32"], result: "void" },
  syslog: { parameters: ["i32", "buffer", "buffer"], result: "void" },
  closelog: { parameters: [], result: "void" },
} as const satisfies Deno.ForeignLibraryInterface;

/** Results and status to the system log through libc's syslog(3). */
export class SyslogLogger implements Logger {
  readonly name = "syslog";
  readonly batchable = true;
  readonly #lib = Deno.dlopen("libc.so.6", syslogSymbols).symbols;
  readonly #ident = encoder.encode("osqueryd\0");
  readonly #format = encoder.encode("%s\0");
  readonly #facility: number;

  constructor() {
    this.#facility = flags.number("logger_syslog_facility") << 3;
    const LOG_PID = 0x01;
    const LOG_CONS = 0x02;
    this.#lib.openlog(this.#ident, LOG_PID | LOG_CONS, this.#facility);
  }

  #send(priority: number, text: string): void {
    const body = flags.bool("logger_syslog_prepend_cee") ? `@cee:${text}` : text;
    this.#lib.syslog(this.#facility | priority, this.#format, encoder.encode(body + "\0"));
  }

  logLines(_category: "result" | "snapshot", lines: string[]): Promise<void> {
    for (const l of lines) this.#send(6, l); // LOG_INFO
    return Promise.resolve();
  }
  logStatus(r: StatusRecord): void {
    const priority = [6, 4, 3, 2][r.severity] ?? 6; // INFO, WARNING, ERR, CRIT
    this.#send(priority, `severity=${r.severity} location=${r.file}:${r.line} message=${r.message}`);
  }
  recover(): Promise<void> {
    return Promise.resolve();
  }
  close(): void {
    this.#lib.closelog();
  }
}

let systemLogger: SyslogLogger | undefined;

/**
 * Sends a message to the system log (as osquery's systemLog does for watchdog decisions), located
 * (glog style) at the line that calls `systemLog`. `sink` replaces syslog (for tests).
 */
export function systemLog(severity: number, message: string, sink?: Pick<Logger, "logStatus">): void {
  const where = callerLocation(1, "logger.ts");
  try {
    sink ??= systemLogger ??= new SyslogLogger();
    sink.logStatus({ severity, message, ...where, time: new Date() });
  } catch {
    // No syslog (e.g. no libc syslog): stderr already has the message.
  }
}

/** Raised for an unknown logger name. */
export class LoggerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LoggerError";
  }
}

/** Every logger osq has, in the order the unknown-name error lists them. */
export const LOGGER_NAMES = [
  "filesystem",
  "stdout",
  "syslog",
  "tls",
  "kafka_producer",
  "aws_kinesis",
  "aws_firehose",
] as const;

/** Makes a logger that lives in its own module (the pipeline loggers register themselves). */
export type LoggerFactory = (store?: Store, context?: LoggerContext) => Logger;

const factories = new Map<string, LoggerFactory>();

/**
 * Registers a logger by name. The loggers that need a library or a service (kafka_producer,
 * aws_kinesis, aws_firehose) register from plugins/logger/pipelines.ts, so this module stays free of
 * import cycles with them (they import its types and Severity).
 */
export function registerLogger(name: string, factory: LoggerFactory): void {
  factories.set(name, factory);
}

/** Raises the error for a logger name osq does not have, listing those it has. */
export function unknownLogger(name: string): LoggerError {
  return new LoggerError(
    `Unknown logger plugin '${name}': osq has ${LOGGER_NAMES.slice(0, -1).join(", ")} and ${LOGGER_NAMES.at(-1)} ` +
      "(--logger_plugin=filesystem,stdout).",
  );
}

/**
 * The loggers `--logger_plugin` names (except `tls`, which the daemon's remote client makes).
 * `context` gives the remote loggers the daemon's status log.
 */
export function createLoggers(names = flags.string("logger_plugin"), store?: Store, context?: LoggerContext): Logger[] {
  const out: Logger[] = [];
  for (const name of names.split(",").map((s) => s.trim()).filter(Boolean)) {
    if (name === "filesystem") out.push(new FilesystemLogger(undefined, store));
    else if (name === "stdout") out.push(new StdoutLogger());
    else if (name === "syslog") out.push(new SyslogLogger());
    else if (factories.has(name)) out.push(factories.get(name)!(store, context));
    else if (name === "tls") {
      throw new LoggerError("The tls logger needs the daemon's remote client (--tls_hostname); it is made there.");
    } else if ((LOGGER_NAMES as readonly string[]).includes(name)) {
      throw new LoggerError(`The ${name} logger is not loaded in this process: import plugins/logger/pipelines.ts.`);
    } else throw unknownLogger(name);
  }
  return out;
}
