/**
 * Parsers of the per-process files under /proc/<pid>: status, io, cgroup, cmdline and environ
 * (stat's is core/host/proc.ts's parseStat, shared with the watchdog), and the boot time in
 * /proc/stat that turns start ticks into epoch seconds. Each takes the file's text and answers
 * `undefined` (or skips a line) for malformed input, never throwing: processes change and vanish
 * while a scan reads them.
 *
 * @module
 */
import { readText } from "../../core/host/files.ts";
import { fields, parseDecimal, trimAscii } from "../../core/host/text.ts";

/** Clock ticks per second for /proc times (USER_HZ, 100 on every Linux architecture). */
export const CLOCK_TICKS = 100;

/**
 * The process name as /proc/<pid>/status prints it: the kernel escapes backslashes and newlines
 * there (but not in stat), and osquery trims it.
 */
export function nameFromComm(comm: string): string {
  let name = comm;
  if (name.includes("\\")) name = name.replaceAll("\\", "\\\\");
  if (name.includes("\n")) name = name.replaceAll("\n", "\\n");
  return trimAscii(name);
}

/** What /proc/<pid>/status tells (fields absent from the file stay undefined). */
export interface ProcStatus {
  /** The escaped command name. */
  name?: string;
  /** Real user id. */
  uid?: number;
  /** Effective user id. */
  euid?: number;
  /** Saved user id. */
  suid?: number;
  /** Real group id. */
  gid?: number;
  /** Effective group id. */
  egid?: number;
  /** Saved group id. */
  sgid?: number;
  /** Bytes (VmRSS). */
  residentSize?: number;
  /** Bytes (VmSize). */
  totalSize?: number;
}

/** Parses /proc/<pid>/status; undefined when a memory figure is malformed (osquery drops the row). */
export function parseStatus(content: string): ProcStatus | undefined {
  const out: ProcStatus = {};
  let pos = 0;
  while (pos < content.length) {
    let end = content.indexOf("\n", pos);
    if (end < 0) end = content.length;
    const colon = content.indexOf(":", pos);
    if (colon > pos && colon < end) {
      const key = content.slice(pos, colon);
      switch (key) {
        case "Name":
          out.name = trimAscii(content.slice(colon + 1, end));
          break;
        case "Uid":
        case "Gid": {
          const ids = fields(content.slice(colon + 1, end));
          if (ids.length === 4) {
            const [real, effective, saved] = ids.map(parseDecimal);
            if (key === "Uid") {
              out.uid = real;
              out.euid = effective;
              out.suid = saved;
            } else {
              out.gid = real;
              out.egid = effective;
              out.sgid = saved;
            }
          }
          break;
        }
        case "VmRSS":
        case "VmSize": {
          const kib = parseKib(content.slice(colon + 1, end));
          if (kib === undefined) return undefined;
          if (key === "VmRSS") out.residentSize = kib * 1024;
          else out.totalSize = kib * 1024;
          break;
        }
      }
    }
    pos = end + 1;
  }
  return out;
}

function parseKib(value: string): number | undefined {
  const t = trimAscii(value);
  return t.endsWith(" kB") ? parseDecimal(t.slice(0, -3)) : undefined;
}

/** Bytes read from and written to storage, from /proc/<pid>/io. */
export interface ProcIo {
  /** Bytes the process caused to be fetched from storage. */
  readBytes?: number;
  /** Bytes sent to storage, less those whose write was cancelled (truncated dirty pages). */
  writtenBytes: number;
}

/** Parses /proc/<pid>/io; written bytes net of cancelled writes, as osquery reports them. */
export function parseIo(content: string): ProcIo {
  let readBytes: number | undefined;
  let write = 0;
  let cancelled = 0;
  for (const line of content.split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const key = line.slice(0, colon);
    if (key === "read_bytes") readBytes = parseDecimal(line.slice(colon + 1));
    else if (key === "write_bytes") write = parseDecimal(line.slice(colon + 1)) ?? 0;
    else if (key === "cancelled_write_bytes") cancelled = parseDecimal(line.slice(colon + 1)) ?? 0;
  }
  return { readBytes, writtenBytes: write - cancelled };
}

/** The cgroup path from the first line of /proc/<pid>/cgroup ("0::/user.slice" -> "/user.slice"). */
export function parseCgroup(content: string): string {
  let end = content.indexOf("\n");
  if (end < 0) end = content.length;
  const first = content.indexOf(":");
  if (first < 0 || first > end) return "";
  const second = content.indexOf(":", first + 1);
  if (second < 0 || second > end) return "";
  return content.slice(second + 1, end);
}

/** The argv of /proc/<pid>/cmdline joined by spaces and trimmed ("" for kernel threads). */
export function parseCmdline(content: string): string {
  return trimAscii(content.replaceAll("\0", " "));
}

/**
 * Parses /proc/<pid>/environ (NUL-separated KEY=VALUE) up to the first empty entry. An entry
 * without `=` is both key and value, as osquery's substring arithmetic reports it.
 */
export function parseEnviron(content: string): [string, string][] {
  const out: [string, string][] = [];
  let pos = 0;
  while (pos < content.length) {
    let end = content.indexOf("\0", pos);
    if (end < 0) end = content.length;
    if (end === pos) break;
    const entry = content.slice(pos, end);
    const eq = entry.indexOf("=");
    out.push(eq < 0 ? [entry, entry] : [entry.slice(0, eq), entry.slice(eq + 1)]);
    pos = end + 1;
  }
  return out;
}

/** Boot time in seconds since the epoch (btime of `<proc>/stat`), or 0 when unknown. */
export function bootTime(proc: string): number {
  const cached = bootTimes.get(proc);
  if (cached !== undefined) return cached;
  const content = readText(`${proc}/stat`) ?? "";
  const at = content.indexOf("btime ");
  let value = 0;
  if (at >= 0) {
    const end = content.indexOf("\n", at);
    value = parseDecimal(content.slice(at + 6, end < 0 ? content.length : end)) ?? 0;
  }
  // The boot time never changes while we run; an unknown one is retried next time.
  if (value > 0) bootTimes.set(proc, value);
  return value;
}
const bootTimes = new Map<string, number>();
