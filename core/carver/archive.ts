/**
 * The carve archive: a POSIX pax tar of the carved files, written as a stream (no file is held
 * in memory), optionally compressed with zstd.
 *
 * Each entry is a ustar header, preceded by a pax extended header carrying what ustar cannot
 * hold (long or non-ASCII paths, sizes of 8 GiB and more, sub-second times, atime and ctime), as
 * libarchive's pax writer does for osquery. Entry names are the carved paths without their
 * leading `/` (osquery names them after its temporary copy; `tar -x` of ours recreates the
 * host's layout). A file is read once, up to the size it had when its header was written: a
 * file that grows meanwhile is cut there, one that shrinks is padded with zeros, so the
 * archive is always well-formed.
 *
 * @module
 */
import { zstdCompress } from "../compress/zstd.ts";

const BLOCK = 512;
/** libarchive's default record: archives are padded to a multiple of it. */
const RECORD = 10240;
const COPY_CHUNK = 1 << 20;
const encoder = new TextEncoder();

/** A file to put in the archive. */
export interface ArchiveSource {
  /** The path on this host. */
  path: string;
}

/** What {@linkcode writeArchive} wrote. */
export interface ArchiveResult {
  /** Paths archived (regular files that could be opened). */
  archived: string[];
  /** Paths skipped, with the reason (missing, a directory, unreadable). */
  skipped: { path: string; reason: string }[];
  bytes: number;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

function putString(header: Uint8Array, offset: number, width: number, text: string): void {
  const bytes = encoder.encode(text);
  header.set(bytes.subarray(0, width), offset);
}

function checksum(header: Uint8Array): void {
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of header) sum += b;
  putString(header, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
}

function ustarHeader(name: string, size: number, mode: number, mtime: number, uid: number, gid: number, type: string) {
  const header = new Uint8Array(BLOCK);
  putString(header, 0, 100, name);
  putString(header, 100, 8, octal(mode & 0o7777, 8));
  putString(header, 108, 8, octal(Math.min(uid, 0o7777777), 8));
  putString(header, 116, 8, octal(Math.min(gid, 0o7777777), 8));
  putString(header, 124, 12, octal(Math.min(size, 0o77777777777), 12));
  putString(header, 136, 12, octal(Math.max(0, Math.min(Math.floor(mtime), 0o77777777777)), 12));
  putString(header, 156, 1, type);
  putString(header, 257, 6, "ustar\0");
  putString(header, 263, 2, "00");
  checksum(header);
  return header;
}

/** One pax record: `<length> <key>=<value>\n`, where the length counts itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyBytes = encoder.encode(body).length;
  let length = bodyBytes + 1;
  while (String(length).length + bodyBytes !== length) length = String(length).length + bodyBytes;
  return `${length}${body}`;
}

function paxTime(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const fraction = Math.round(ms - seconds * 1000);
  return fraction ? `${seconds}.${String(fraction).padStart(3, "0")}` : String(seconds);
}

function padding(n: number): number {
  return (BLOCK - (n % BLOCK)) % BLOCK;
}

/** The archive name of a host path: without leading slashes. */
export function entryName(path: string): string {
  return path.replace(/^\/+/, "") || ".";
}

/**
 * Writes a pax tar of `sources` to `out` (created, mode 0600). Sources that are not regular
 * files, or cannot be opened, are skipped and listed.
 */
export async function writeArchive(sources: readonly string[], out: string): Promise<ArchiveResult> {
  const file = await Deno.open(out, { write: true, createNew: true, mode: 0o600 });
  const result: ArchiveResult = { archived: [], skipped: [], bytes: 0 };
  const write = async (bytes: Uint8Array) => {
    let done = 0;
    while (done < bytes.length) done += await file.write(bytes.subarray(done));
    result.bytes += bytes.length;
  };
  try {
    for (const path of sources) {
      let source: Deno.FsFile;
      try {
        source = await Deno.open(path, { read: true });
      } catch (err) {
        result.skipped.push({ path, reason: err instanceof Error ? err.message : String(err) });
        continue;
      }
      try {
        const info = await source.stat();
        if (!info.isFile) {
          result.skipped.push({ path, reason: "not a regular file" });
          continue;
        }
        const name = entryName(path);
        const size = info.size;
        const mtime = info.mtime?.getTime() ?? 0;
        const records = [
          paxRecord("atime", paxTime(info.atime?.getTime() ?? mtime)),
          paxRecord("ctime", paxTime(info.ctime?.getTime() ?? mtime)),
          paxRecord("mtime", paxTime(mtime)),
        ];
        const fitsUstar = encoder.encode(name).length < 100 && /^[\x20-\x7e]*$/.test(name);
        if (!fitsUstar) records.unshift(paxRecord("path", name));
        if (size > 0o77777777777) records.push(paxRecord("size", String(size)));
        const pax = encoder.encode(records.join(""));
        const paxName = `PaxHeader/${name.split("/").pop()!.slice(0, 80)}`;
        await write(ustarHeader(paxName, pax.length, 0o644, mtime / 1000, 0, 0, "x"));
        await write(pax);
        await write(new Uint8Array(padding(pax.length)));
        await write(
          ustarHeader(
            fitsUstar ? name : name.slice(-99).replace(/[^\x20-\x7e]/g, "_"),
            size,
            info.mode ?? 0o644,
            mtime / 1000,
            info.uid ?? 0,
            info.gid ?? 0,
            "0",
          ),
        );
        let copied = 0;
        const chunk = new Uint8Array(Math.min(COPY_CHUNK, Math.max(size, 1)));
        while (copied < size) {
          const n = await source.read(chunk.subarray(0, Math.min(chunk.length, size - copied)));
          if (n === null || n === 0) break;
          await write(chunk.subarray(0, n));
          copied += n;
        }
        // The file shrank while being read: keep the declared size.
        while (copied < size) {
          const n = Math.min(chunk.length, size - copied);
          await write(new Uint8Array(n));
          copied += n;
        }
        await write(new Uint8Array(padding(size)));
        result.archived.push(path);
      } finally {
        source.close();
      }
    }
    await write(new Uint8Array(BLOCK * 2));
    await write(new Uint8Array((RECORD - (result.bytes % RECORD)) % RECORD));
  } finally {
    file.close();
  }
  return result;
}

/**
 * Compresses `input` into `output` (mode 0600) as a sequence of zstd frames of 4 MiB of input
 * each — one valid zstd stream that `zstd -d` and every zstd library read — at level 1, as
 * osquery does.
 */
export async function compressFile(input: string, output: string): Promise<number> {
  const source = await Deno.open(input, { read: true });
  const target = await Deno.open(output, { write: true, createNew: true, mode: 0o600 });
  let written = 0;
  try {
    const chunk = new Uint8Array(4 << 20);
    while (true) {
      let filled = 0;
      while (filled < chunk.length) {
        const n = await source.read(chunk.subarray(filled));
        if (n === null || n === 0) break;
        filled += n;
      }
      if (filled === 0) break;
      const frame = zstdCompress(chunk.subarray(0, filled), 1);
      let done = 0;
      while (done < frame.length) done += await target.write(frame.subarray(done));
      written += frame.length;
      if (filled < chunk.length) break;
    }
  } finally {
    source.close();
    target.close();
  }
  return written;
}
