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
 * A native function in two tiers. A call site made for it reads {@linkcode Tiered.compiled} and
 * calls it when set, else calls {@linkcode Tiered.address}:
 *
 * ```ts ignore
 * const f = step.compiled;
 * return f !== undefined ? f(handle) : step.address(handle);
 * ```
 *
 * Two call sites, not one call of whichever is current: V8 emits Deno's fast call to a compiled
 * symbol (a few ns) only at a call site that has seen that one function. A site that has called
 * the address function and then the compiled symbol (a function replaced once it is compiled)
 * calls through Deno's generic path from then on, about 0.1 µs more per call; on rows and values
 * that was a third of the time the shell took to print 100,000 rows.
 */
export interface Tiered<F> {
  /** The compiled symbol, once the function has been called {@linkcode TIER_UP_CALLS} times. */
  readonly compiled: F | undefined;
  /** Calls the function through its address, counting calls; the last of them compiles it. */
  readonly address: F;
}

/**
 * Calls of `definition` at `address`, or null when the dynamic linker cannot find it (then the
 * caller binds it at once).
 */
function addressCall(path: string, name: string, definition: Deno.ForeignFunction) {
  const address = dynamicLinker()?.address(path, name);
  if (!address) return null;
  const pointer = new Deno.UnsafeFnPointer(address as Deno.PointerObject<Deno.ForeignFunction>, definition);
  const call = pointer.call as (...args: unknown[]) => unknown;
  return (args: unknown[]): unknown => call.apply(pointer, args);
}

/**
 * A function of the loaded library at `path` for call sites of its own (see {@linkcode Tiered}):
 * nothing is looked up before its first call, which finds its address; `bind()` compiles it on its
 * {@linkcode TIER_UP_CALLS}th call, or on the first without a usable dynamic linker.
 */
export function tiered<F>(path: string, name: string, definition: Deno.ForeignFunction, bind: () => F): Tiered<F> {
  let call: ((args: unknown[]) => unknown) | null | undefined;
  let calls = 0;
  const tier: { compiled: F | undefined; address: F } = {
    compiled: undefined,
    address: ((...args: unknown[]): unknown => {
      if (call === undefined) call = addressCall(path, name, definition);
      if (call === null || ++calls >= TIER_UP_CALLS) tier.compiled ??= bind();
      return call === null ? (tier.compiled as (...args: unknown[]) => unknown)(...args) : call(args);
    }) as F,
  };
  return tier;
}

/**
 * A function of the loaded library at `path`: called through its address
 * (`Deno.UnsafeFnPointer`, nothing compiled) for its first {@linkcode TIER_UP_CALLS} calls, then
 * through `bind()`'s compiled symbol, which `bound` receives too (to replace a lookup). Without a
 * usable dynamic linker it is `bind()` at once. For functions called a few times per statement or
 * command: a call site that calls it before and after it is compiled never gets Deno's fast call
 * (see {@linkcode Tiered}), so a function called per row or per value is a {@linkcode tiered} one.
 */
export function tieredFunction<F>(
  path: string,
  name: string,
  definition: Deno.ForeignFunction,
  bind: () => F,
  bound?: (fn: F) => void,
): F {
  const call = addressCall(path, name, definition);
  if (!call) return bind();
  let calls = 0;
  let fast: ((...args: unknown[]) => unknown) | undefined;
  const tieredCall = (...args: unknown[]): unknown => {
    if (fast) return fast(...args);
    if (++calls >= TIER_UP_CALLS) {
      const fn = bind();
      fast = fn as (...args: unknown[]) => unknown;
      bound?.(fn);
    }
    return call(args);
  };
  return tieredCall as F;
}
