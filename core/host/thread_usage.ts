/**
 * The CPU time the calling thread has used and the process's resident size, for the cost of one
 * query on a query thread (osquery_schedule's user_time, system_time and memory columns). The
 * CPU time comes from getrusage(RUSAGE_THREAD) over FFI, a call of about a microsecond with
 * microsecond precision, where reading `/proc/thread-self/stat` costs ~30 µs (open, read and
 * close through Deno's ops) and counts in 10 ms ticks. A query thread reads
 * it twice a run, and a daemon runs hundreds of queries a minute. Without libc the /proc file is
 * read instead.
 *
 * @example
 * ```ts
 * import { threadUsage } from "./thread_usage.ts";
 * const before = threadUsage();
 * let x = 0;
 * for (let i = 0; i < 1e6; i++) x += i;
 * const after = threadUsage();
 * if (after.userMs < before.userMs) throw new Error("time went backwards");
 * ```
 *
 * @module
 */
import { tryLibc } from "./libc.ts";
import { parseStat } from "./proc.ts";

/** CPU time of a thread, in milliseconds. */
export interface ThreadUsage {
  userMs: number;
  systemMs: number;
}

/** Linux's RUSAGE_THREAD: the calling thread only. */
const RUSAGE_THREAD = 1;
/** struct rusage: ru_utime and ru_stime (two struct timeval, 16 bytes each on 64-bit Linux) first; 144 bytes in all. */
const usage = new BigInt64Array(18);

/** The calling thread's CPU time so far. */
export function threadUsage(): ThreadUsage {
  const libc = Deno.build.os === "linux" && usage.BYTES_PER_ELEMENT === 8 ? tryLibc() : undefined;
  if (libc && libc.getrusage(RUSAGE_THREAD, usage) === 0) {
    return {
      userMs: Number(usage[0]) * 1000 + Number(usage[1]) / 1000,
      systemMs: Number(usage[2]) * 1000 + Number(usage[3]) / 1000,
    };
  }
  return procThreadUsage();
}

/** The same from `/proc/thread-self/stat` (clock ticks of 10 ms); zeros when it cannot be read. */
export function procThreadUsage(): ThreadUsage {
  try {
    const stat = parseStat(Deno.readTextFileSync("/proc/thread-self/stat"));
    if (stat) return { userMs: stat.utime * 10, systemMs: stat.stime * 10 };
  } catch {
    // Not readable here: nothing is known.
  }
  return { userMs: 0, systemMs: 0 };
}

/**
 * /proc/self/statm, kept open: read again from its start for each call (a seek and a read)
 * instead of opened, read and closed (~90 µs a query run through Deno's ops).
 */
let statm: Deno.FsFile | undefined;
const statmBuffer = new Uint8Array(128);

/** The process's resident bytes; 0 when unknown. */
export function residentBytes(): number {
  try {
    statm ??= Deno.openSync("/proc/self/statm");
    statm.seekSync(0, Deno.SeekMode.Start);
    const n = statm.readSync(statmBuffer) ?? 0;
    // "size resident shared ...", in pages: the second field.
    let i = 0;
    while (i < n && statmBuffer[i] !== 32) i++;
    let pages = 0;
    for (i++; i < n && statmBuffer[i] >= 48 && statmBuffer[i] <= 57; i++) pages = pages * 10 + statmBuffer[i] - 48;
    return pages * 4096;
  } catch {
    statm?.close();
    statm = undefined;
    return 0;
  }
}
