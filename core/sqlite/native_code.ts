/**
 * Machine code osq carries (core/vtab/native/cursor.c's cursor, core/sqlite/native/rows.c's row
 * batches) made runnable: copied into anonymous pages with a table of the SQLite functions it
 * calls after it, then sealed read-only and executable (mprotect(2); on AArch64 the kernel makes
 * the instruction cache coherent when it maps a page executable). SQLite's functions are found
 * with dlsym(3) in the libsqlite3 osq loaded, so the code calls the same library.
 *
 * @module
 */
import { tryLibc } from "../host/libc.ts";
import { sqlite, sqliteLibraryPath } from "./ffi.ts";

const PAGE = 4096;
const PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
const MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20;
const RTLD_NOW = 2, RTLD_NOLOAD = 4;

/** Where mapped code lives: its first byte, and the table of SQLite function addresses after it. */
export interface MappedCode {
  /** The address of the code's first byte: an entry point is `base` plus its offset. */
  base: bigint;
  /** The address of the function table (8-byte aligned, one address per name, in order). */
  api: bigint;
}

/**
 * Maps `code` with the addresses of SQLite's `functions` after it, or returns undefined where
 * that cannot be done (no glibc, SQLite not loaded through a path, a function missing, a kernel
 * refusing executable mappings): the caller then keeps its TypeScript path. The pages stay
 * mapped for the life of the process, since SQLite may call into them at any time.
 */
export function mapWithSqliteApi(code: Uint8Array, functions: readonly string[]): MappedCode | undefined {
  const c = tryLibc();
  if (!c) return undefined;
  try {
    sqlite();
    const path = sqliteLibraryPath();
    if (!path) return undefined;
    const handle = c.dlopen(cstring(path), RTLD_NOW | RTLD_NOLOAD);
    if (handle === null) return undefined;
    const addresses: bigint[] = [];
    for (const name of functions) {
      const fn = c.dlsym(handle, cstring(name));
      if (fn === null) return undefined;
      addresses.push(BigInt(Deno.UnsafePointer.value(fn)));
    }
    const apiOffset = (code.length + 7) & ~7;
    // Whole pages: the code, then the table.
    const size = Math.ceil((apiOffset + 8 * addresses.length) / PAGE) * PAGE;
    const page = c.mmap(null, BigInt(size), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0n);
    const base = BigInt(Deno.UnsafePointer.value(page));
    if (page === null || base === -1n || base === 0xffffffffffffffffn) return undefined;
    const bytes = new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(page, size));
    bytes.set(code);
    const view = new DataView(bytes.buffer);
    addresses.forEach((fn, i) => view.setBigUint64(apiOffset + i * 8, fn, true));
    if (c.mprotect(page, BigInt(size), PROT_READ | PROT_EXEC) !== 0) {
      c.munmap(page, BigInt(size));
      return undefined;
    }
    return { base, api: base + BigInt(apiOffset) };
  } catch {
    return undefined;
  }
}

function cstring(text: string): Uint8Array<ArrayBuffer> {
  const bytes = new TextEncoder().encode(text + "\0");
  const out = new Uint8Array(new ArrayBuffer(bytes.length));
  out.set(bytes);
  return out;
}
