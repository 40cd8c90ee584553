/**
 * Native functions called through their address until they are called often: Deno compiles a
 * call stub for each symbol `Deno.dlopen` binds (about 0.4 ms each, and about 2 MiB to set up the
 * stub compiler for the first), which a one-shot command calling a function a few times does not
 * need. Used for SQLite's functions (core/sqlite/ffi.ts) and the shell's memcpy.
 *
 * @module
 */

const encoder = new TextEncoder();

/** `text` as a NUL-terminated C string. */
function cString(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text + "\0") as Uint8Array<ArrayBuffer>;
}

/**
 * Calls made through a function's address before it is bound with Deno's compiled fast path.
 * Binding a symbol (`Deno.dlopen`) compiles a call stub, about 0.4 ms each, and the first one sets
 * up the stub compiler, about 2 MiB: a one-shot `select 1` calls about 15 SQLite functions a few
 * times each and needs neither. A call through the address costs a few microseconds more than a
 * compiled one, so a function called this often is worth compiling.
 */
const TIER_UP_CALLS = 64;

const RTLD_NOW = 2;
const RTLD_NOLOAD = 4;

/** Finds a loaded library's functions by name. */
interface Linker {
  /** The address of `symbol` in the loaded library at `path`, or null. */
  address(path: string, symbol: string): Deno.PointerValue;
}

let linker: Linker | null | undefined;

/**
 * The C library's dlopen/dlsym, or null where they cannot be bound (not glibc). Their one-field
 * struct parameters are passed exactly as the int and pointer they hold (x86-64 and AArch64 pass
 * such a struct in the same register) and keep Deno from compiling a stub for either.
 */
function dynamicLinker(): Linker | null {
  if (linker !== undefined) return linker;
  const api = {
    dlopen: { parameters: ["buffer", { struct: ["i32"] }], result: "usize" },
    dlsym: { parameters: [{ struct: ["usize"] }, "buffer"], result: "pointer" },
  } as const;
  linker = null;
  for (const name of ["libc.so.6", "libdl.so.2"]) {
    try {
      const lib = Deno.dlopen(name, api).symbols;
      const handles = new Map<string, BigUint64Array>();
      const handle = (path: string): BigUint64Array => {
        let found = handles.get(path);
        if (!found) {
          const flags = new Int32Array([RTLD_NOW | RTLD_NOLOAD]);
          found = new BigUint64Array([BigInt(lib.dlopen(cString(path), new Uint8Array(flags.buffer)))]);
          handles.set(path, found);
        }
        return found;
      };
      linker = {
        address: (path, symbol) => {
          const h = handle(path);
          return h[0] === 0n ? null : lib.dlsym(new Uint8Array(h.buffer), cString(symbol));
        },
      };
      break;
    } catch {
      // try the next name
    }
  }
  return linker;
}

/**
 * A function of the loaded library at `path`: called through its address
 * (`Deno.UnsafeFnPointer`, nothing compiled) for its first {@linkcode TIER_UP_CALLS} calls, then
 * through `bind()`'s compiled symbol, which `bound` receives too (to replace a lookup). Without a
 * usable dynamic linker it is `bind()` at once.
 */
export function tieredFunction<F>(
  path: string,
  name: string,
  definition: Deno.ForeignFunction,
  bind: () => F,
  bound?: (fn: F) => void,
): F {
  const address = dynamicLinker()?.address(path, name);
  if (!address) return bind();
  const pointer = new Deno.UnsafeFnPointer(address as Deno.PointerObject<Deno.ForeignFunction>, definition);
  const call = pointer.call as (...args: unknown[]) => unknown;
  let calls = 0;
  let fast: ((...args: unknown[]) => unknown) | undefined;
  const tiered = (...args: unknown[]): unknown => {
    if (fast) return fast(...args);
    if (++calls >= TIER_UP_CALLS) {
      const fn = bind();
      fast = fn as (...args: unknown[]) => unknown;
      bound?.(fn);
    }
    return call.apply(pointer, args);
  };
  return tiered as F;
}
