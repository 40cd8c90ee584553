/**
 * What the users tables share: signed ids and utmp/wtmp record decoding. The account databases,
 * the name service, which users a per-user table reads and the `pid_with_namespace` views are the
 * host readers in `core/host/`.
 *
 * Parsers never throw on bad input: a malformed record is skipped.
 *
 * @module
 */

/** The signed 32-bit reading of an id (osquery's `uid_signed`, `gid_signed`). */
export function signed32(id: number): number {
  return id | 0;
}

const utf8 = new TextDecoder("utf-8");

/** A utmp/wtmp record (glibc's 384-byte `struct utmp` on 64-bit Linux). */
export interface UtmpRecord {
  type: number;
  pid: number;
  line: string;
  id: string;
  user: string;
  host: string;
  session: number;
  /** Seconds since the epoch. */
  time: number;
  usec: number;
}

/** Size of one record. */
export const UTMP_RECORD_SIZE = 384;

/** utmp entry types. */
export const UT = {
  EMPTY: 0,
  RUN_LVL: 1,
  BOOT_TIME: 2,
  NEW_TIME: 3,
  OLD_TIME: 4,
  INIT_PROCESS: 5,
  LOGIN_PROCESS: 6,
  USER_PROCESS: 7,
  DEAD_PROCESS: 8,
  ACCOUNTING: 9,
} as const;

function fixedString(bytes: Uint8Array, start: number, length: number): string {
  const field = bytes.subarray(start, start + length);
  const end = field.indexOf(0);
  return utf8.decode(end < 0 ? field : field.subarray(0, end));
}

/**
 * Decodes utmp/wtmp bytes into records. A trailing partial record (a file caught mid-write or
 * truncated) is ignored, as glibc's reader does.
 */
export function parseUtmp(bytes: Uint8Array): UtmpRecord[] {
  const out: UtmpRecord[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let off = 0; off + UTMP_RECORD_SIZE <= bytes.length; off += UTMP_RECORD_SIZE) {
    out.push({
      type: view.getInt16(off, true),
      pid: view.getInt32(off + 4, true),
      line: fixedString(bytes, off + 8, 32),
      id: fixedString(bytes, off + 40, 4),
      user: fixedString(bytes, off + 44, 32),
      host: fixedString(bytes, off + 76, 256),
      session: view.getInt32(off + 336, true),
      time: view.getInt32(off + 340, true),
      usec: view.getInt32(off + 344, true),
    });
  }
  return out;
}

/** Encodes records in the same layout (for fixtures and tests). */
export function encodeUtmp(records: Partial<UtmpRecord>[]): Uint8Array {
  const out = new Uint8Array(records.length * UTMP_RECORD_SIZE);
  const view = new DataView(out.buffer);
  const put = (off: number, length: number, text = "") =>
    out.set(new TextEncoder().encode(text).subarray(0, length), off);
  records.forEach((r, i) => {
    const off = i * UTMP_RECORD_SIZE;
    view.setInt16(off, r.type ?? 0, true);
    view.setInt32(off + 4, r.pid ?? 0, true);
    put(off + 8, 32, r.line);
    put(off + 40, 4, r.id);
    put(off + 44, 32, r.user);
    put(off + 76, 256, r.host);
    view.setInt32(off + 336, r.session ?? 0, true);
    view.setInt32(off + 340, r.time ?? 0, true);
    view.setInt32(off + 344, r.usec ?? 0, true);
  });
  return out;
}

/** The utmp records of a file (empty when missing or unreadable). */
export function readUtmp(path: string): UtmpRecord[] {
  try {
    return parseUtmp(Deno.readFileSync(path));
  } catch {
    return [];
  }
}
