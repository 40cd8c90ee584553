/**
 * The few libc calls the system tables need (statfs, gethostname, getaddrinfo,
 * localtime_r, sysconf, and mmap/mprotect for the cpuid stub),
 * loaded lazily over Deno FFI. Every wrapper returns `undefined` instead of throwing when libc
 * or the call is unavailable, so tables degrade to fewer columns, never to an error.
 *
 * @module
 */
import { cPath, type LibcSymbols as CoreLibcSymbols, readCString, tryLibc } from "../../core/host/libc.ts";

/** libc's symbols (the process's one binding, core/host/libc.ts). */
export type LibcSymbols = CoreLibcSymbols;

/** libc's symbols, or `undefined` when libc cannot be loaded (non-glibc hosts, no FFI permission). */
export function libc(): LibcSymbols | undefined {
  return tryLibc();
}

/** statfs(2) results for a mounted path. */
export interface StatFs {
  blockSize: bigint;
  blocks: bigint;
  blocksFree: bigint;
  blocksAvailable: bigint;
  inodes: bigint;
  inodesFree: bigint;
}

/** statfs(2) on `path` (64-bit Linux layout), or `undefined` when the call fails. */
export function statfs(path: string): StatFs | undefined {
  const c = libc();
  if (!c || Deno.build.os !== "linux") return undefined;
  // struct statfs on 64-bit Linux: f_type, f_bsize, f_blocks, f_bfree, f_bavail, f_files, f_ffree, ... (8 bytes each).
  const buf = new Uint8Array(128);
  if (c.statfs(cPath(path), buf) !== 0) return undefined;
  const v = new DataView(buf.buffer);
  return {
    blockSize: v.getBigUint64(8, true),
    blocks: v.getBigUint64(16, true),
    blocksFree: v.getBigUint64(24, true),
    blocksAvailable: v.getBigUint64(32, true),
    inodes: v.getBigUint64(40, true),
    inodesFree: v.getBigUint64(48, true),
  };
}

/** gethostname(2), trimmed; falls back to /proc/sys/kernel/hostname. */
export function hostname(): string {
  const c = libc();
  if (c) {
    const buf = new Uint8Array(256);
    if (c.gethostname(buf, 256n) === 0) return readCString(buf).trim();
  }
  try {
    return Deno.readTextFileSync("/proc/sys/kernel/hostname").trim();
  } catch {
    return "";
  }
}

/** The canonical name getaddrinfo(3) gives `host` (AI_CANONNAME), or `host` itself. */
export function canonicalName(host: string): string {
  const c = libc();
  if (!c || !host) return host;
  // struct addrinfo hints: ai_flags = AI_CANONNAME (2), ai_family = AF_UNSPEC; 48 bytes on 64-bit.
  const hints = new Uint8Array(48);
  new DataView(hints.buffer).setInt32(0, 2, true);
  const result = new BigUint64Array(1);
  const rc = c.getaddrinfo(cPath(host), null, hints, new Uint8Array(result.buffer));
  if (rc !== 0 || result[0] === 0n) return host;
  const res = Deno.UnsafePointer.create(result[0]);
  let name = host;
  try {
    const view = new Deno.UnsafePointerView(res!);
    const canon = view.getPointer(32); // ai_canonname
    if (canon) name = Deno.UnsafePointerView.getCString(canon);
  } finally {
    c.freeaddrinfo(res);
  }
  return name;
}

/** The local time zone abbreviation at `unixSeconds` (strftime's `%Z`), or `undefined`. */
export function localZoneAbbreviation(unixSeconds: number): string | undefined {
  const c = libc();
  if (!c) return undefined;
  c.tzset();
  const t = new BigInt64Array([BigInt(unixSeconds)]);
  // struct tm: nine ints, tm_gmtoff (long) at 40, tm_zone (char*) at 48.
  const tm = new Uint8Array(64);
  if (c.localtime_r(new Uint8Array(t.buffer), tm) === null) return undefined;
  const zone = new DataView(tm.buffer).getBigUint64(48, true);
  if (zone === 0n) return undefined;
  return Deno.UnsafePointerView.getCString(Deno.UnsafePointer.create(zone)!);
}

/** sysconf(3) names used here. */
export const SC = { PAGESIZE: 30, NPROCESSORS_ONLN: 84, PHYS_PAGES: 85 } as const;

/** sysconf(3), or `undefined` when unavailable or negative. */
export function sysconf(name: number): number | undefined {
  const c = libc();
  if (!c) return undefined;
  const v = Number(c.sysconf(name));
  return v >= 0 ? v : undefined;
}
