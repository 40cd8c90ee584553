import { elfSymbolAddress } from "./elf_symbols.ts";
import { assertEquals } from "../../testing/assert.ts";

const linux = Deno.build.os === "linux";
if (!linux) console.warn("elf_symbols_test: ELF symbol lookup is Linux only; its tests are skipped here");

/** glibc's dlsym, for comparison. */
function dlsym(library: string, symbol: string): bigint {
  const api = {
    dlopen: { parameters: ["buffer", { struct: ["i32"] }], result: "usize" },
    dlsym: { parameters: [{ struct: ["usize"] }, "buffer"], result: "pointer" },
  } as const;
  const lib = Deno.dlopen("libc.so.6", api);
  try {
    const c = (text: string) => new TextEncoder().encode(text + "\0");
    const handle = new BigUint64Array([
      BigInt(lib.symbols.dlopen(c(library), new Uint8Array(new Int32Array([2]).buffer))),
    ]);
    return BigInt(Deno.UnsafePointer.value(lib.symbols.dlsym(new Uint8Array(handle.buffer), c(symbol))));
  } finally {
    lib.close();
  }
}

Deno.test({
  name: "a loaded library's functions are found where dlsym finds them, glibc's indirect memcpy included",
  ignore: !linux,
  fn() {
    const sqlite = Deno.dlopen("libsqlite3.so.0", {});
    try {
      for (const name of ["sqlite3_open_v2", "sqlite3_step", "sqlite3_libversion"]) {
        assertEquals(
          BigInt(Deno.UnsafePointer.value(elfSymbolAddress("libsqlite3.so.0", name))),
          dlsym("libsqlite3.so.0", name),
          name,
        );
      }
      for (const name of ["memcpy", "strlen", "getpid", "malloc"]) {
        assertEquals(
          BigInt(Deno.UnsafePointer.value(elfSymbolAddress("libc.so.6", name))),
          dlsym("libc.so.6", name),
          name,
        );
      }
    } finally {
      sqlite.close();
    }
  },
});

Deno.test({
  name: "a missing function or a library that is not loaded has no address (the caller falls back to dlsym)",
  ignore: !linux,
  fn() {
    assertEquals(elfSymbolAddress("libc.so.6", "no_such_function_in_libc"), null);
    assertEquals(elfSymbolAddress("libosq-not-loaded.so.9", "anything"), null);
  },
});
