/**
 * The syslog publisher: reads the lines rsyslog (or syslog-ng) writes into a named pipe in
 * osquery's CSV template — `time,host,severity,facility,tag,message`, fields quoted with `"`
 * and inner quotes doubled — and hands each parsed record to its listeners (syslog_events).
 *
 * Off unless `--enable_syslog`. On start it creates the pipe at `--syslog_pipe_path` when missing
 * (mode 0460, group `syslog` when that group exists, so rsyslog can write and only osquery's user
 * reads), takes an exclusive lock on it so two osquery processes never split the stream, and
 * opens it read-write so the open never waits for a writer. At most `--syslog_rate_limit` lines
 * are taken per round, with a short pause between rounds, so a flood cannot monopolise a core.
 *
 * @module
 */
import { defineFlag, flags } from "../flags/flags.ts";
import {
  cPath,
  EAGAIN,
  errno,
  lastErrorMessage,
  libc,
  O_CLOEXEC,
  O_NONBLOCK,
  O_RDONLY,
  O_RDWR,
  waitReadable,
} from "../host/libc.ts";
import { type EventPublisher, events } from "./system.ts";
import { readGroups } from "../host/accounts.ts";

defineFlag({
  name: "enable_syslog",
  type: "bool",
  default: false,
  description: "Enable the syslog ingestion event publisher (rsyslog lines from --syslog_pipe_path)",
});
defineFlag({
  name: "syslog_pipe_path",
  type: "string",
  default: "/var/osquery/syslog_pipe",
  description: "Path to the named pipe rsyslog forwards events into",
});
defineFlag({
  name: "syslog_rate_limit",
  type: "uint64",
  default: 100,
  description: "Most syslog lines ingested per round (rounds are about 100 ms apart)",
});

/** One syslog record as the CSV template carries it (the tag without rsyslog's trailing colon). */
export interface SyslogRecord {
  datetime: string;
  host: string;
  severity: string;
  facility: string;
  tag: string;
  message: string;
}

const FIELDS = ["datetime", "host", "severity", "facility", "tag", "message"] as const;

/** Splits one line of rsyslog's CSV output: commas outside quotes separate, `""` in quotes is `"`. */
export function splitRsyslogCsv(line: string): string[] {
  const fields: string[] = [];
  let field = "";
  let inQuote = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      if (!inQuote) inQuote = true;
      else if (line[i + 1] === '"') (field += '"', i++);
      else inQuote = false;
    } else if (c === "," && !inQuote) {
      fields.push(field);
      field = "";
    } else field += c;
  }
  fields.push(field);
  return fields;
}

/** Parses one line into a record, or returns why it is not one (wrong field count). */
export function parseSyslogLine(line: string): SyslogRecord | { error: string } {
  const values = splitRsyslogCsv(line.replace(/\r$/, ""));
  if (values.length > FIELDS.length) return { error: "Received more fields than expected" };
  if (values.length < FIELDS.length) return { error: "Received fewer fields than expected" };
  const trimmed = values.map((v) => v.trim());
  const record = Object.fromEntries(FIELDS.map((name, i) => [name, trimmed[i]])) as unknown as SyslogRecord;
  if (record.tag.endsWith(":")) record.tag = record.tag.slice(0, -1);
  return record;
}

const LOCK_EX = 2;
const LOCK_NB = 4;
/** rsyslog writes, osquery's user reads. */
const PIPE_MODE = 0o460;
/** The longest line kept; longer ones are dropped (rsyslog's own default is 8 KiB). */
const MAX_LINE_BYTES = 1 << 20;

/** The gid of group `name` in /etc/group; undefined (leave the pipe's group alone) when there is none. */
function groupId(name: string): number | undefined {
  return readGroups().find((g) => g.groupname === name)?.gid;
}

/** Reads the syslog pipe and hands each record to the listeners. */
export class SyslogPublisher implements EventPublisher {
  readonly name = "syslog";
  readonly #listeners: ((record: SyslogRecord) => void)[] = [];
  #readFd = -1;
  #lockFd = -1;
  #running = false;
  #loop: Promise<void> | undefined;
  #pending = new Uint8Array(0);
  /** Lines that did not parse, since start. */
  errors = 0;
  refreshes = 0;

  /** Adds a listener called with every parsed record. */
  listen(listener: (record: SyslogRecord) => void): void {
    this.#listeners.push(listener);
  }

  get active(): boolean {
    return this.#running;
  }

  /** Parses one line and dispatches it (also used by tests); malformed lines are counted and reported. */
  dispatch(line: string): void {
    if (line.trim() === "") return;
    const parsed = parseSyslogLine(line);
    if ("error" in parsed) {
      this.errors++;
      if (this.errors <= 10 || this.errors % 1000 === 0) {
        console.error(`W ${parsed.error} in syslog line: ${line.slice(0, 200)}`);
      }
      return;
    }
    for (const l of this.#listeners) {
      try {
        l(parsed);
      } catch (err) {
        console.error(`W syslog subscriber failed: ${(err as Error).message}`);
      }
    }
  }

  start(): Promise<void> {
    if (!flags.bool("enable_syslog") || this.#running) return Promise.resolve();
    const path = flags.string("syslog_pipe_path");
    const lib = libc();
    let isFifo = false;
    try {
      isFifo = Deno.statSync(path).isFifo === true;
    } catch {
      if (lib.mkfifo(cPath(path), PIPE_MODE) !== 0) {
        return Promise.reject(new Error(`Cannot create the syslog pipe ${path}: ${lastErrorMessage()}`));
      }
      try {
        Deno.chmodSync(path, PIPE_MODE); // mkfifo's mode is filtered by the umask
        const gid = groupId("syslog");
        if (gid !== undefined) Deno.chownSync(path, null, gid);
      } catch (err) {
        console.error(`W Cannot set the syslog pipe's mode or group: ${(err as Error).message}`);
      }
      isFifo = true;
    }
    if (!isFifo) return Promise.reject(new Error(`Not a FIFO file: ${path}`));
    const lockFd = lib.open(cPath(path), O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0);
    if (lockFd < 0) return Promise.reject(new Error(`Cannot open ${path} to lock it: ${lastErrorMessage()}`));
    if (lib.flock(lockFd, LOCK_EX | LOCK_NB) !== 0) {
      const message = lastErrorMessage();
      libc().close(lockFd);
      return Promise.reject(
        new Error(`Unable to acquire the syslog pipe lock (${message}): is another osquery reading ${path}?`),
      );
    }
    // Read-write: opening a FIFO for reading alone would wait for rsyslog to open it.
    const readFd = lib.open(cPath(path), O_RDWR | O_NONBLOCK | O_CLOEXEC, 0);
    if (readFd < 0) {
      const message = lastErrorMessage();
      libc().close(lockFd);
      return Promise.reject(new Error(`Cannot open the syslog pipe ${path}: ${message}`));
    }
    this.#lockFd = lockFd;
    this.#readFd = readFd;
    this.#pending = new Uint8Array(0);
    this.#running = true;
    this.refreshes++;
    this.#loop = this.#read();
    return Promise.resolve();
  }

  /** Takes complete lines off the pending bytes, at most `limit`. */
  #takeLines(limit: number): string[] {
    const lines: string[] = [];
    let start = 0;
    while (lines.length < limit) {
      const nl = this.#pending.indexOf(10, start);
      if (nl < 0) break;
      lines.push(new TextDecoder().decode(this.#pending.subarray(start, nl)));
      start = nl + 1;
    }
    this.#pending = this.#pending.slice(start);
    if (this.#pending.length > MAX_LINE_BYTES && this.#pending.indexOf(10) < 0) {
      this.errors++;
      console.error(`W Dropped a syslog line longer than ${MAX_LINE_BYTES} bytes`);
      this.#pending = new Uint8Array(0);
    }
    return lines;
  }

  #countLines(): number {
    let n = 0;
    for (const b of this.#pending) if (b === 10) n++;
    return n;
  }

  async #read(): Promise<void> {
    const buf = new Uint8Array(new ArrayBuffer(1 << 16));
    while (this.#running) {
      const limit = Math.max(1, flags.number("syslog_rate_limit"));
      if (this.#countLines() < limit) {
        if (!await waitReadable(this.#readFd, 200)) continue;
        if (!this.#running) break;
        const n = Number(libc().read(this.#readFd, buf, BigInt(buf.length)));
        if (n < 0 && errno() !== EAGAIN) {
          console.error(`W Reading the syslog pipe failed: ${lastErrorMessage()}`);
          await new Promise((r) => setTimeout(r, 200));
          continue;
        }
        if (n > 0) {
          const joined = new Uint8Array(this.#pending.length + n);
          joined.set(this.#pending);
          joined.set(buf.subarray(0, n), this.#pending.length);
          this.#pending = joined;
        }
      }
      const lines = this.#takeLines(limit);
      for (const line of lines) this.dispatch(line);
      // A full round means more is waiting: pause as osquery does between runs.
      if (lines.length >= limit) await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    await this.#loop;
    libc().close(this.#readFd);
    libc().close(this.#lockFd); // closing releases the flock
    this.#readFd = this.#lockFd = -1;
  }
}

/** The process-wide syslog publisher (syslog_events), registered with the event system. */
export const syslogPublisher: SyslogPublisher = new SyslogPublisher();
events.addPublisher(syslogPublisher);
