/**
 * Extended attributes over Deno FFI: listxattr(2)/getxattr(2) from libc, and file capabilities
 * rendered by libcap's cap_to_text when libcap is installed. Every call returns undefined instead
 * of throwing when the library or the call fails.
 *
 * @module
 */
import { cPath as cstring, type LibcSymbols, tryLibc } from "../../core/host/libc.ts";

const capSymbols = {
  cap_get_file: { parameters: ["buffer"], result: "pointer" },
  cap_to_text: { parameters: ["pointer", "buffer"], result: "pointer" },
  cap_free: { parameters: ["pointer"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

let libcap: Deno.DynamicLibrary<typeof capSymbols>["symbols"] | null | undefined;

function open<S extends Deno.ForeignLibraryInterface>(names: string[], symbols: S) {
  for (const name of names) {
    try {
      return Deno.dlopen(name, symbols).symbols;
    } catch {
      // try the next name
    }
  }
  return null;
}

function c(): LibcSymbols | undefined {
  return tryLibc();
}

function cap(): typeof libcap {
  if (libcap === undefined) libcap = open(["libcap.so.2", "libcap.so"], capSymbols);
  return libcap;
}

/** The attribute names of `path` (following symlinks), or undefined when they cannot be listed. */
export function listXattrs(path: string): string[] | undefined {
  const lib = c();
  if (!lib) return undefined;
  const p = cstring(path);
  for (let attempt = 0; attempt < 3; attempt++) {
    const size = Number(lib.listxattr(p, null, 0n));
    if (size < 0) return undefined;
    if (size === 0) return [];
    const buf = new Uint8Array(size);
    const got = Number(lib.listxattr(p, buf, BigInt(size)));
    if (got < 0) continue; // the list grew between the two calls
    const names = new TextDecoder().decode(buf.subarray(0, got)).split("\0");
    return names.filter((n) => n !== "");
  }
  return undefined;
}

/** The value of attribute `name` of `path`, or undefined when it cannot be read. */
export function getXattr(path: string, name: string): Uint8Array | undefined {
  const lib = c();
  if (!lib) return undefined;
  const p = cstring(path);
  const n = cstring(name);
  for (let attempt = 0; attempt < 3; attempt++) {
    const size = Number(lib.getxattr(p, n, null, 0n));
    if (size < 0) return undefined;
    if (size === 0) return new Uint8Array();
    const buf = new Uint8Array(size);
    const got = Number(lib.getxattr(p, n, buf, BigInt(size)));
    if (got < 0) continue;
    return buf.subarray(0, got);
  }
  return undefined;
}

/** Sets attribute `name` (for tests); true on success. */
export function setXattr(path: string, name: string, value: Uint8Array): boolean {
  const lib = c();
  if (!lib) return false;
  const v = new Uint8Array(value);
  return lib.setxattr(cstring(path), cstring(name), v, BigInt(v.length), 0) === 0;
}

/**
 * The file capabilities of `path` as libcap's text form ("cap_net_raw=ep"): "" when it has none,
 * undefined when libcap is missing or cannot decode them.
 */
export function capabilitiesText(path: string): string | undefined {
  const lib = cap();
  if (!lib) return undefined;
  const handle = lib.cap_get_file(cstring(path));
  if (handle === null) return "";
  try {
    const text = lib.cap_to_text(handle, null);
    if (text === null) return undefined;
    try {
      return Deno.UnsafePointerView.getCString(text);
    } finally {
      lib.cap_free(text);
    }
  } finally {
    lib.cap_free(handle);
  }
}
