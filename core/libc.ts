/**
 * The libc calls osq makes over FFI (sockets, poll, inotify, errors), loaded once. The `*Async`
 * variants run on Deno's blocking-call threads and return promises, for event loops that wait
 * on the kernel without blocking queries.
 *
 * @module
 */

const symbols = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  send: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  recv: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
  pollAsync: { name: "poll", parameters: ["buffer", "u64", "i32"], result: "i32", nonblocking: true },
  inotify_init1: { parameters: ["i32"], result: "i32" },
  inotify_add_watch: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  inotify_rm_watch: { parameters: ["i32", "i32"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
  strerror: { parameters: ["i32"], result: "pointer" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The loaded libc symbols. */
export type LibcSymbols = Deno.DynamicLibrary<typeof symbols>["symbols"];

let lib: LibcSymbols | undefined;

/** libc, loaded on first use. */
export function libc(): LibcSymbols {
  lib ??= Deno.dlopen(Deno.build.os === "darwin" ? "libSystem.dylib" : "libc.so.6", symbols).symbols;
  return lib;
}

/** The calling thread's errno. */
export function errno(): number {
  const p = libc().__errno_location();
  return p === null ? 0 : new Deno.UnsafePointerView(p).getInt32();
}

/** strerror(errno) for the last failed call. */
export function lastErrorMessage(): string {
  const code = errno();
  const p = libc().strerror(code);
  return p === null ? `errno ${code}` : Deno.UnsafePointerView.getCString(p);
}

/** A NUL-terminated copy of a path for libc. */
export function cPath(path: string): Uint8Array<ArrayBuffer> {
  const bytes = new TextEncoder().encode(path);
  const out = new Uint8Array(new ArrayBuffer(bytes.length + 1));
  out.set(bytes);
  return out;
}

/**
 * Waits (on a blocking-call thread) until `fd` is readable or `timeoutMs` passes.
 * Resolves true when readable.
 */
export async function waitReadable(fd: number, timeoutMs: number): Promise<boolean> {
  // struct pollfd { int fd; short events; short revents; }, POLLIN = 1
  const pfd = new Uint8Array(new ArrayBuffer(8));
  const view = new DataView(pfd.buffer);
  view.setInt32(0, fd, true);
  view.setInt16(4, 1, true);
  const n = await libc().pollAsync(pfd, 1n, timeoutMs);
  return n > 0 && (view.getInt16(6, true) & 1) !== 0;
}
