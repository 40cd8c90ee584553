/**
 * Reads config and pack files the way osquery's readFile does: opened non-blocking, at most
 * `--read_max` bytes (50 MiB by default), so a glob that matches `/dev/zero`, `/proc/kmsg` or a
 * FIFO can neither fill memory nor block the daemon. Files a glob (or a pack path) names must
 * be regular files; the config file named explicitly may be a device, so that
 * `--config_path=/dev/null` is an empty config as in osquery.
 *
 * @module
 */
import { flags } from "../flags/flags.ts";
import {
  EAGAIN,
  EINTR,
  errno,
  errorMessage,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFMT,
  S_IFREG,
  tryLibc,
} from "../host/libc.ts";
import { openNonBlocking } from "../host/open_nonblocking.ts";

/** Why a config file was not read; the message names the file and the reason. */
export class ConfigReadError extends Error {
  /** Builds the error for `path`; `reason` says why it was not read. */
  constructor(readonly path: string, readonly reason: string) {
    super(`${path}: ${reason}`);
    this.name = "ConfigReadError";
  }
}

/** Options of {@linkcode readConfigFile}. */
export interface ConfigReadOptions {
  /** Largest number of bytes read (default `--read_max`, else 50 MiB). */
  readMax?: number;
  /** Accept character devices and FIFOs (read without blocking): for the explicitly named config file. */
  allowSpecial?: boolean;
}

const CHUNK = 64 * 1024;

/** The read limit: `--read_max` when some module declared it, else osquery's default. */
export function configReadMax(): number {
  return flags.has("read_max") ? flags.number("read_max") : 50 * 1024 * 1024;
}

function checkType(path: string, mode: number, size: number, options: ConfigReadOptions, readMax: number): void {
  const type = mode & S_IFMT;
  if (type === S_IFDIR) throw new ConfigReadError(path, "is a directory, not a config file");
  const special = type === S_IFCHR || type === S_IFIFO;
  if (type !== S_IFREG && !(special && options.allowSpecial)) {
    throw new ConfigReadError(path, "is not a regular file (a device, FIFO or socket); it is not read");
  }
  if (type === S_IFREG && size > readMax) {
    throw new ConfigReadError(path, `is larger than --read_max (${size} > ${readMax} bytes)`);
  }
}

/** True for a path that resolves into /proc or /sys. */
function isKernelFile(path: string): boolean {
  let real: string;
  try {
    real = Deno.realPathSync(path);
  } catch {
    return false; // the open below reports it
  }
  return /^\/(proc|sys)(\/|$)/.test(real);
}

/**
 * The text of a config or pack file. Throws {@linkcode ConfigReadError} for a file that is not
 * a regular file (unless `allowSpecial`), is larger than the limit, or whose read would block;
 * throws `Deno.errors.NotFound` for a missing file and the filesystem's error otherwise.
 */
export function readConfigFile(path: string, options: ConfigReadOptions = {}): string {
  const readMax = options.readMax ?? configReadMax();
  const parts: Uint8Array[] = [];
  let total = 0;
  const take = (chunk: Uint8Array) => {
    total += chunk.length;
    if (total > readMax) throw new ConfigReadError(path, `is larger than --read_max (${readMax} bytes)`);
    parts.push(chunk.slice());
  };
  if (!options.allowSpecial && isKernelFile(path)) {
    // /proc/kmsg reads destructively and blocks; /proc/kcore claims terabytes: none is a config.
    throw new ConfigReadError(path, "is a kernel file under /proc or /sys, not a config file; it is not read");
  }
  const c = tryLibc();
  if (c) {
    const { fd, mode, size } = openNonBlocking(c, path);
    try {
      checkType(path, mode, size, options, readMax);
      const special = (mode & S_IFMT) !== S_IFREG;
      const buf = new Uint8Array(CHUNK);
      for (;;) {
        const n = Number(c.read(fd, buf, BigInt(CHUNK)));
        if (n < 0) {
          const code = errno();
          if (code === EINTR) continue;
          // Nothing to read now (a FIFO without data, /proc/kmsg): for a special file that is its
          // end; a regular-looking file that would block is not a config file.
          if (code === EAGAIN && special) break;
          if (code === EAGAIN) throw new ConfigReadError(path, "would block when read (a kernel or stream file)");
          throw new Error(`${path}: ${errorMessage(code)}`);
        }
        if (n === 0) break;
        take(buf.subarray(0, n));
      }
    } finally {
      c.close(fd);
    }
  } else {
    // Without libc there is no non-blocking open: only regular files are read.
    const info = Deno.statSync(path);
    checkType(path, info.isFile ? S_IFREG : 0, info.size, { ...options, allowSpecial: false }, readMax);
    const file = Deno.openSync(path, { read: true });
    try {
      const buf = new Uint8Array(CHUNK);
      for (;;) {
        const n = file.readSync(buf);
        if (n === null || n === 0) break;
        take(buf.subarray(0, n));
      }
    } finally {
      file.close();
    }
  }
  const all = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    all.set(p, offset);
    offset += p.length;
  }
  return new TextDecoder().decode(all);
}
