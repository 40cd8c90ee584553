/**
 * The first step of osquery-style bounded readers: open a file read-only and non-blocking (so a
 * FIFO or device cannot stall the open), then learn its type and size from the opened descriptor
 * with statx(2), so the type checked is the type read (no race with a rename between a stat of
 * the path and the open).
 *
 * @module
 */
import {
  AT_EMPTY_PATH,
  cPath,
  ENOENT,
  errno,
  errorMessage,
  type LibcSymbols,
  O_CLOEXEC,
  O_NONBLOCK,
  O_RDONLY,
  STATX_TYPE_SIZE,
} from "./libc.ts";

/** A descriptor opened by {@linkcode openNonBlocking}, with what statx said of it. */
export interface OpenedFile {
  /** The descriptor; the caller closes it (`c.close(fd)`). */
  fd: number;
  /** st_mode: the file type (`mode & S_IFMT`) and permission bits. */
  mode: number;
  /** Size in bytes as the filesystem reports it (0 for most /proc and /sys files). */
  size: number;
}

const statBuffer = new Uint8Array(256);
const statView = new DataView(statBuffer.buffer);
const emptyPath = new Uint8Array(1);

/**
 * Opens `path` through libc `c` read-only, non-blocking and close-on-exec, and reads its type and
 * size from the descriptor. Throws `Deno.errors.NotFound` for a missing file and an Error naming
 * the path and the system's reason otherwise (the descriptor is closed then).
 */
export function openNonBlocking(c: LibcSymbols, path: string): OpenedFile {
  const fd = c.open(cPath(path), O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0);
  if (fd < 0) {
    const code = errno();
    const message = `${path}: ${errorMessage(code)}`;
    throw code === ENOENT ? new Deno.errors.NotFound(message) : new Error(message);
  }
  if (c.statx(fd, emptyPath, AT_EMPTY_PATH, STATX_TYPE_SIZE, statBuffer) !== 0) {
    const message = `${path}: ${errorMessage(errno())}`;
    c.close(fd);
    throw new Error(message);
  }
  return { fd, mode: statView.getUint16(28, true), size: Number(statView.getBigUint64(40, true)) };
}
