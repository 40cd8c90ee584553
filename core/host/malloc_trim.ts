/**
 * Gives the C allocator's free memory back to the system: glibc keeps what threads freed in its
 * arenas (a finished query thread's SQLite pages, a large result's buffers) and returns little of
 * it on its own, so the process's RSS stays at its peak. `malloc_trim(0)` releases the free pages
 * of every arena. Where the C library has none (musl, macOS), nothing happens.
 *
 * @example
 * ```ts
 * import { trimMalloc } from "./malloc_trim.ts";
 * // true when glibc's malloc_trim ran
 * const trimmed: boolean = trimMalloc();
 * ```
 *
 * @module
 */

import { tryLibc } from "./libc.ts";

/** False once the C library proved to have no malloc_trim (musl), or when there is none at all. */
let available: boolean | undefined;

/** Calls glibc's `malloc_trim(0)`; false where the C library has no such call. */
export function trimMalloc(): boolean {
  if (available === false) return false;
  const c = tryLibc();
  try {
    // The symbol is bound on first use: a C library without it throws then.
    if (c) c.malloc_trim(0n);
    available = c !== undefined;
  } catch {
    available = false;
  }
  return available;
}
