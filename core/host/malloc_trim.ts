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

let trim: (() => void) | null | undefined;

/** Calls glibc's `malloc_trim(0)`; false where the C library has no such call. */
export function trimMalloc(): boolean {
  if (trim === undefined) {
    trim = null;
    if (Deno.build.os === "linux") {
      try {
        const lib = Deno.dlopen("libc.so.6", { malloc_trim: { parameters: ["usize"], result: "i32" } });
        trim = () => void lib.symbols.malloc_trim(0n);
      } catch {
        // Not glibc.
      }
    }
  }
  trim?.();
  return trim !== null;
}
