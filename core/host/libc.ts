/**
 * The one binding of the C library for the whole process: every libc call osq makes over FFI
 * (sockets, poll, inotify, netlink, interface ioctls, NSS, files, statx/readdir, xattrs, fifo
 * locking, free, malloc_trim, errors) is declared here and libc is opened once. Modules that degrade when libc
 * is missing use {@linkcode tryLibc}; those that cannot work without it use {@linkcode libc},
 * which throws. The `*Async` variants run on Deno's blocking-call threads and return promises,
 * for event loops that wait on the kernel without blocking queries.
 *
 * @module
 */
import { type Tiered, tiered, tieredFunction } from "../runtime/tiered_ffi.ts";

const symbols = {
  // Sockets.
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  accept4: { parameters: ["i32", "pointer", "pointer", "i32"], result: "i32" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
  send: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  recv: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  ioctl: { parameters: ["i32", "u64", "buffer"], result: "i32" },
  poll: { parameters: ["buffer", "u64", "i32"], result: "i32" },
  pollAsync: { name: "poll", parameters: ["buffer", "u64", "i32"], result: "i32", nonblocking: true },
  // Interfaces.
  getifaddrs: { parameters: ["buffer"], result: "i32" },
  freeifaddrs: { parameters: ["pointer"], result: "void" },
  if_indextoname: { parameters: ["u32", "buffer"], result: "pointer" },
  getpid: { parameters: [], result: "i32" },
  // Memory: glibc only (core/host/malloc_trim.ts calls it where it exists).
  malloc_trim: { parameters: ["usize"], result: "i32" },
  // Files.
  open: { parameters: ["buffer", "i32", "u32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
  mkfifo: { parameters: ["buffer", "u32"], result: "i32" },
  flock: { parameters: ["i32", "i32"], result: "i32" },
  statx: { parameters: ["i32", "buffer", "i32", "u32", "buffer"], result: "i32" },
  opendir: { parameters: ["buffer"], result: "pointer" },
  readdir64: { parameters: ["pointer"], result: "pointer" },
  closedir: { parameters: ["pointer"], result: "i32" },
  // glibc >= 2.30: a directory's entries in one call per buffer (the walks of the file tables).
  getdents64: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  readlink: { parameters: ["buffer", "buffer", "usize"], result: "isize" },
  access: { parameters: ["buffer", "i32"], result: "i32" },
  listxattr: { parameters: ["buffer", "buffer", "usize"], result: "isize" },
  getxattr: { parameters: ["buffer", "buffer", "buffer", "usize"], result: "isize" },
  setxattr: { parameters: ["buffer", "buffer", "buffer", "usize", "i32"], result: "i32" },
  inotify_init1: { parameters: ["i32"], result: "i32" },
  inotify_add_watch: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  inotify_rm_watch: { parameters: ["i32", "i32"], result: "i32" },
  eventfd: { parameters: ["u32", "i32"], result: "i32" },
  // Accounts (NSS).
  setpwent: { parameters: [], result: "void" },
  getpwent: { parameters: [], result: "pointer" },
  endpwent: { parameters: [], result: "void" },
  getpwuid: { parameters: ["u32"], result: "pointer" },
  getpwnam: { parameters: ["buffer"], result: "pointer" },
  setgrent: { parameters: [], result: "void" },
  getgrent: { parameters: [], result: "pointer" },
  endgrent: { parameters: [], result: "void" },
  getgrgid: { parameters: ["u32"], result: "pointer" },
  getgrouplist: { parameters: ["buffer", "u32", "buffer", "buffer"], result: "i32" },
  // Memory.
  free: { parameters: ["pointer"], result: "void" },
  // System facts (system tables): filesystems, host name, time zone, limits, the cpuid stub's page.
  statfs: { parameters: ["buffer", "buffer"], result: "i32" },
  gethostname: { parameters: ["buffer", "usize"], result: "i32" },
  getaddrinfo: { parameters: ["buffer", "pointer", "buffer", "buffer"], result: "i32" },
  freeaddrinfo: { parameters: ["pointer"], result: "void" },
  localtime_r: { parameters: ["buffer", "buffer"], result: "pointer" },
  tzset: { parameters: [], result: "void" },
  sysconf: { parameters: ["i32"], result: "i64" },
  mmap: { parameters: ["pointer", "usize", "i32", "i32", "i32", "i64"], result: "pointer" },
  mprotect: { parameters: ["pointer", "usize", "i32"], result: "i32" },
  munmap: { parameters: ["pointer", "usize"], result: "i32" },
  geteuid: { parameters: [], result: "u32" },
  // The CPU time of the calling thread (a query thread's cost per run).
  getrusage: { parameters: ["i32", "buffer"], result: "i32" },
  // Symbols of an already loaded library (the native virtual-table cursor calls SQLite directly).
  dlopen: { parameters: ["buffer", "i32"], result: "pointer" },
  dlsym: { parameters: ["pointer", "buffer"], result: "pointer" },
  // Errors.
  __errno_location: { parameters: [], result: "pointer" },
  strerror: { parameters: ["i32"], result: "pointer" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The loaded libc symbols. */
export type LibcSymbols = Deno.DynamicLibrary<typeof symbols>["symbols"];

/** The names libc goes by (glibc first, then musl). */
const LIBC_NAMES = ["libc.so.6", "libc.so", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1"];

let lib: LibcSymbols | undefined;
let libName = "";
let loadError: Error | undefined;

/**
 * Makes each libc symbol when it is first used. Deno compiles a call stub per bound symbol, about
 * 0.5 ms each: binding all of them up front cost every command some 30 ms at start-up, while most
 * commands call a handful, a few times each: a symbol is called through its address until it is
 * called often, then bound (core/runtime/tiered_ffi.ts). The library is opened (and checked) at once.
 */
function lazySymbols(name: string): LibcSymbols {
  Deno.dlopen(name, {});
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(symbols) as (keyof typeof symbols)[]) {
    Object.defineProperty(out, key, {
      configurable: true,
      enumerable: true,
      get() {
        const definition = symbols[key] as Deno.ForeignFunction & { name?: string };
        const define = (value: unknown) =>
          Object.defineProperty(out, key, { value, enumerable: true, configurable: true });
        const bind = () => Deno.dlopen(name, { [key]: symbols[key] }).symbols[key] as unknown;
        const fn = tieredFunction(name, definition.name ?? key, definition, bind, define);
        define(fn);
        return fn;
      },
    });
  }
  (out as LibcSymbols).getpid();
  return out as LibcSymbols;
}

/** libc, loaded on first use, or `undefined` when it cannot be loaded (not Linux, no FFI permission). */
export function tryLibc(): LibcSymbols | undefined {
  if (lib || loadError) return lib;
  if (Deno.build.os !== "linux") {
    loadError = new Error(`The C library bindings need Linux (this is ${Deno.build.os})`);
    return undefined;
  }
  for (const name of LIBC_NAMES) {
    try {
      lib = lazySymbols(name);
      libName = name;
      return lib;
    } catch (err) {
      loadError ??= err instanceof Error ? err : new Error(String(err));
    }
  }
  return undefined;
}

const tiers = new Map<string, Tiered<unknown>>();

/**
 * libc's `key` in two tiers, for a call made per file or per event: its caller calls `compiled`
 * when set, else `address`, from two call sites of its own, and so gets Deno's fast call once it
 * is compiled, which a call through {@linkcode libc}'s property (replaced when compiled) does not
 * (see core/runtime/tiered_ffi.ts). Undefined when libc cannot be loaded.
 */
export function libcTiered<K extends keyof typeof symbols>(key: K): Tiered<LibcSymbols[K]> | undefined {
  if (!tryLibc()) return undefined;
  let tier = tiers.get(key);
  if (!tier) {
    const definition = symbols[key] as Deno.ForeignFunction & { name?: string };
    const name = libName;
    tier = tiered(
      name,
      definition.name ?? key,
      definition,
      () => Deno.dlopen(name, { [key]: symbols[key] }).symbols[key],
    );
    tiers.set(key, tier);
  }
  return tier as Tiered<LibcSymbols[K]>;
}

/** libc, loaded on first use; throws the loader's error when it cannot be loaded. */
export function libc(): LibcSymbols {
  const loaded = tryLibc();
  if (!loaded) throw loadError ?? new Error("The C library could not be loaded");
  return loaded;
}

/** The calling thread's errno. */
export function errno(): number {
  const p = libc().__errno_location();
  return p === null ? 0 : new Deno.UnsafePointerView(p).getInt32();
}

/** strerror(code): the C library's text for an errno value. */
export function errorMessage(code: number): string {
  const p = libc().strerror(code);
  return p === null ? `errno ${code}` : Deno.UnsafePointerView.getCString(p);
}

/** strerror(errno) for the last failed call. */
export function lastErrorMessage(): string {
  return errorMessage(errno());
}

/** A NUL-terminated copy of a path (or any text) for libc. */
export function cPath(path: string): Uint8Array<ArrayBuffer> {
  // C would stop at the NUL and act on a shorter path (a query's 'a' || char(0) || 'b' is not 'a').
  if (path.includes("\0")) {
    throw new Deno.errors.NotFound(`${JSON.stringify(path)} contains a NUL byte, which C cannot pass`);
  }
  const bytes = new TextEncoder().encode(path);
  const out = new Uint8Array(new ArrayBuffer(bytes.length + 1));
  out.set(bytes);
  return out;
}

/** Decodes a NUL-terminated C string held in `bytes` (all of it when there is no NUL). */
export function readCString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
}

/** UNIX-domain address family. */
export const AF_UNIX = 1;
/** IPv4 address family. */
export const AF_INET = 2;
/** IPv6 address family. */
export const AF_INET6 = 10;
/** Netlink address family. */
export const AF_NETLINK = 16;
/** Link-layer (packet) address family: getifaddrs' per-interface entry. */
export const AF_PACKET = 17;
/** Stream socket type. */
export const SOCK_STREAM = 1;
/** Datagram socket type. */
export const SOCK_DGRAM = 2;
/** Raw socket type. */
export const SOCK_RAW = 3;
/** Socket flag: close on exec. */
export const SOCK_CLOEXEC = 0o2000000;
/** Socket-level options. */
export const SOL_SOCKET = 1;
/** Receive buffer size. */
export const SO_RCVBUF = 8;
/** Receive timeout (struct timeval). */
export const SO_RCVTIMEO = 20;
/** Send timeout (struct timeval). */
export const SO_SNDTIMEO = 21;
/** Receive buffer size beyond rmem_max (root). */
export const SO_RCVBUFFORCE = 33;
/** recv/send flag: do not block. */
export const MSG_DONTWAIT = 0x40;
/** send flag: no SIGPIPE when the peer is gone. */
export const MSG_NOSIGNAL = 0x4000;
/** Interrupted system call. */
export const EINTR = 4;
/** Try again (also a socket timeout). */
export const EAGAIN = 11;
/** No such file or directory. */
export const ENOENT = 2;
/** A non-blocking connect is under way. */
export const EINPROGRESS = 115;

/** open(2) flags (Linux; x86-64 and arm64 share them). */
export const O_RDONLY = 0;
/** open(2): read and write. */
export const O_RDWR = 2;
/** open(2): never block on the file (FIFOs, devices). */
export const O_NONBLOCK = 0o4000;
/** open(2): close on exec. */
export const O_CLOEXEC = 0o2000000;
/** statx(2): stat the descriptor itself (empty path). */
export const AT_EMPTY_PATH = 0x1000;
/** statx(2) mask: the file type and size. */
export const STATX_TYPE_SIZE = 0x201;
/** st_mode's file-type bits and the types osq tells apart. */
export const S_IFMT = 0o170000;
/** Regular file. */
export const S_IFREG = 0o100000;
/** Directory. */
export const S_IFDIR = 0o040000;
/** Character device. */
export const S_IFCHR = 0o020000;
/** FIFO. */
export const S_IFIFO = 0o010000;

/**
 * Sets a socket timeout option (SO_RCVTIMEO or SO_SNDTIMEO) to `timeoutMs`. Zero would mean "no
 * timeout" to the kernel, so it is raised to 1 ms.
 */
export function setSocketTimeout(fd: number, option: number, timeoutMs: number): void {
  const ms = Math.max(1, Math.floor(timeoutMs));
  // struct timeval { time_t tv_sec; suseconds_t tv_usec; }
  const tv = new BigInt64Array([BigInt(Math.floor(ms / 1000)), BigInt((ms % 1000) * 1000)]);
  libc().setsockopt(fd, SOL_SOCKET, option, new Uint8Array(tv.buffer), 16);
}

/** Raised when a netlink socket cannot be opened or bound; the message says which step failed. */
export class NetlinkSocketError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NetlinkSocketError";
  }
}

/**
 * Opens a close-on-exec netlink socket of `type` (SOCK_RAW, SOCK_DGRAM) for `protocol` and binds
 * it to the multicast `groups`. `what` names the socket in error messages ("the audit netlink
 * socket"). Throws {@linkcode NetlinkSocketError} with strerror's text.
 */
export function openNetlinkSocket(protocol: number, type: number, groups: number, what: string): number {
  const c = libc();
  const fd = c.socket(AF_NETLINK, type | SOCK_CLOEXEC, protocol);
  if (fd < 0) throw new NetlinkSocketError(`Cannot open ${what}: ${lastErrorMessage()}`);
  // struct sockaddr_nl { sa_family_t nl_family; unsigned short nl_pad; u32 nl_pid; u32 nl_groups; }
  const addr = new Uint8Array(new ArrayBuffer(12));
  const view = new DataView(addr.buffer);
  view.setUint16(0, AF_NETLINK, true);
  view.setUint32(8, groups, true);
  if (c.bind(fd, addr, 12) !== 0) {
    const message = lastErrorMessage();
    c.close(fd);
    throw new NetlinkSocketError(`Cannot bind ${what}: ${message}`);
  }
  return fd;
}

/** poll(2): data to read. */
const POLLIN = 1;
/** eventfd(2) flags: close on exec, non-blocking reads. */
const EFD_CLOEXEC = 0o2000000;
const EFD_NONBLOCK = 0o4000;
/** How long one wait lasts when no eventfd could be made (the wait then notices a stop by timing out). */
const FALLBACK_WAIT_MS = 500;

/**
 * Waits, on a blocking-call thread, until one descriptor is readable, for as long as that takes:
 * {@linkcode ReadableWaiter.wake} ends a wait at once, through an eventfd polled beside the
 * descriptor. An event publisher's reader that waits this way wakes only when the kernel has
 * something for it, instead of every half second to look whether it was stopped (an idle
 * daemon's wake-ups). Without an eventfd, a wait times out every 500 ms, as a timed poll would.
 *
 * @example
 * ```ts ignore
 * const waiter = new ReadableWaiter(fd);
 * while (running) if (await waiter.wait()) drain(fd);
 * // elsewhere, to stop: running = false; waiter.wake();
 * waiter.close();
 * ```
 */
export class ReadableWaiter {
  readonly #wakeFd: number;
  // Two struct pollfd { int fd; short events; short revents; }: the descriptor, the eventfd.
  readonly #pollfds = new Uint8Array(new ArrayBuffer(16));
  readonly #view = new DataView(this.#pollfds.buffer);
  readonly #count: bigint;
  #closed = false;

  /** Waits on `fd` (which stays the caller's to close). */
  constructor(fd: number) {
    this.#wakeFd = libc().eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    this.#view.setInt32(0, fd, true);
    this.#view.setInt16(4, POLLIN, true);
    this.#view.setInt32(8, this.#wakeFd, true);
    this.#view.setInt16(12, POLLIN, true);
    this.#count = this.#wakeFd >= 0 ? 2n : 1n;
  }

  /**
   * Resolves true when the descriptor is readable; false when woken (or, without an eventfd,
   * after 500 ms), or when `timeoutMs` (default: no limit) passed first.
   */
  async wait(timeoutMs = -1): Promise<boolean> {
    if (this.#closed) return false;
    const limit = this.#wakeFd >= 0
      ? timeoutMs
      : timeoutMs < 0
      ? FALLBACK_WAIT_MS
      : Math.min(timeoutMs, FALLBACK_WAIT_MS);
    this.#view.setInt16(6, 0, true);
    this.#view.setInt16(14, 0, true);
    const n = await libc().pollAsync(this.#pollfds, this.#count, limit);
    if (n <= 0) return false;
    if (this.#wakeFd >= 0 && this.#view.getInt16(14, true) !== 0) {
      // Drain the wake-up so the next wait blocks again.
      libc().read(this.#wakeFd, new Uint8Array(8), 8n);
    }
    return (this.#view.getInt16(6, true) & POLLIN) !== 0;
  }

  /** Ends the current wait (or the next one, if none is in progress) at once. */
  wake(): void {
    if (this.#wakeFd < 0 || this.#closed) return;
    const one = new Uint8Array(8);
    one[0] = 1;
    libc().write(this.#wakeFd, one, 8n);
  }

  /** Releases the eventfd; call once the last wait has resolved. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#wakeFd >= 0) libc().close(this.#wakeFd);
  }
}

/**
 * Waits (on a blocking-call thread) until `fd` is readable or `timeoutMs` passes.
 * Resolves true when readable.
 */
export async function waitReadable(fd: number, timeoutMs: number): Promise<boolean> {
  // struct pollfd { int fd; short events; short revents; }
  const pfd = new Uint8Array(new ArrayBuffer(8));
  const view = new DataView(pfd.buffer);
  view.setInt32(0, fd, true);
  view.setInt16(4, POLLIN, true);
  const n = await libc().pollAsync(pfd, 1n, timeoutMs);
  return n > 0 && (view.getInt16(6, true) & POLLIN) !== 0;
}
