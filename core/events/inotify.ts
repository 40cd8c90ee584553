/**
 * The inotify publisher: file changes under the config's `file_paths`, as osquery's file events
 * see them. Patterns follow osquery: `%` matches within one path level, `%%` (last component
 * only) matches everything below, `*` is accepted as `%`.
 *
 * @module
 */
import { defineFlag, flags } from "../flags/flags.ts";
import { cPath, lastErrorMessage, libc, ReadableWaiter } from "../host/libc.ts";
import type { EventPublisher } from "./system.ts";

defineFlag({
  name: "enable_file_events",
  type: "bool",
  default: false,
  description: "Watch the config's file_paths with inotify and fill file_events",
});

const IN_ACCESS = 0x1;
const IN_MODIFY = 0x2;
const IN_ATTRIB = 0x4;
const IN_CLOSE_WRITE = 0x8;
const IN_OPEN = 0x20;
const IN_MOVED_FROM = 0x40;
const IN_MOVED_TO = 0x80;
const IN_CREATE = 0x100;
const IN_DELETE = 0x200;
const IN_Q_OVERFLOW = 0x4000;
const IN_IGNORED = 0x8000;
const IN_ISDIR = 0x40000000;
const IN_NONBLOCK = 0o4000;
const IN_CLOEXEC = 0o2000000;

/** The changes every file subscription watches. */
export const DEFAULT_MASK = IN_MOVED_TO | IN_MOVED_FROM | IN_MODIFY | IN_DELETE | IN_CREATE | IN_CLOSE_WRITE |
  IN_ATTRIB;
/** Reads and opens, watched only for categories listed in `file_accesses`. */
export const ACCESS_MASK = IN_OPEN | IN_ACCESS;

/** osquery's action name for an inotify mask (first matching bit), or "" to ignore. */
export function actionOf(mask: number): string {
  if (mask & IN_CREATE) return "CREATED";
  if (mask & IN_DELETE) return "DELETED";
  if (mask & IN_MOVED_FROM) return "MOVED_FROM";
  if (mask & IN_MOVED_TO) return "MOVED_TO";
  if (mask & (IN_MODIFY | IN_CLOSE_WRITE)) return "UPDATED";
  if (mask & IN_ATTRIB) return "ATTRIBUTES_MODIFIED";
  if (mask & IN_OPEN) return "OPENED";
  if (mask & IN_ACCESS) return "ACCESSED";
  return "";
}

/** A file subscription: a category's pattern, whether accesses are reported, and paths excluded. */
export interface FileSubscription {
  category: string;
  pattern: string;
  accesses: boolean;
  /** Patterns (same syntax) whose matches are not reported for this category. */
  exclude?: string[];
}

/**
 * The subscriptions a config asks for: one per `file_paths` pattern, with accesses for the
 * categories in `file_accesses` and the category's `exclude_paths`.
 */
export function fileSubscriptions(
  filePaths: Record<string, string[]>,
  fileAccesses: string[] = [],
  excludePaths: Record<string, string[]> = {},
): FileSubscription[] {
  return Object.entries(filePaths).flatMap(([category, patterns]) =>
    patterns.map((pattern) => ({
      category,
      pattern,
      accesses: fileAccesses.includes(category),
      exclude: excludePaths[category] ?? [],
    }))
  );
}

/** A file event as the publisher reports it. */
export interface FileChange {
  path: string;
  action: string;
  cookie: number;
  subscription: FileSubscription;
}

/** Converts an osquery file pattern to a RegExp over full paths. */
export function patternToRegExp(pattern: string): RegExp {
  let p = pattern.replaceAll("*", "%");
  let recursive = false;
  if (p.endsWith("%%")) {
    recursive = true;
    p = p.slice(0, -2);
  }
  const body = p.split("%").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[^/]*");
  return new RegExp("^" + body + (recursive ? ".*" : "") + "$");
}

/** The directory an inotify watch must sit on for a pattern, and whether below it is watched too. */
export function watchRoot(pattern: string): { dir: string; recursive: boolean } {
  const p = pattern.replaceAll("*", "%");
  const wild = p.indexOf("%");
  const literal = wild < 0 ? p : p.slice(0, wild);
  const recursive = wild >= 0 && (p.endsWith("%%") || p.slice(wild).includes("/"));
  if (wild < 0) {
    try {
      if (Deno.statSync(p).isDirectory) return { dir: p.replace(/\/+$/, "") || "/", recursive: false };
    } catch {
      // A file that does not exist yet: watch its directory.
    }
  }
  const dir = literal.slice(0, literal.lastIndexOf("/")) || "/";
  return { dir, recursive };
}

const decoder = new TextDecoder();
/** Bytes read from the kernel at a time. */
const READ_BUFFER = 256 * 1024;
/** Longest stretch the reader spends handing changes to listeners before it reads again. */
const DELIVERY_SLICE_MS = 20;
/** The kernel queue size osq asks for (fs.inotify.max_queued_events; the default is 16,384). */
const QUEUE_TARGET = 524_288;
const QUEUE_SYSCTL = "/proc/sys/fs/inotify/max_queued_events";

/**
 * Raises fs.inotify.max_queued_events to {@linkcode QUEUE_TARGET} when it is lower and this
 * process may (root); never lowers it. Returns the limit in force.
 */
export function raiseQueueLimit(path = QUEUE_SYSCTL, target = QUEUE_TARGET): number {
  let current = 0;
  try {
    current = Number(Deno.readTextFileSync(path).trim());
  } catch {
    return 0;
  }
  if (current >= target) return current;
  try {
    Deno.writeTextFileSync(path, `${target}\n`);
    return target;
  } catch {
    return current;
  }
}

/** Actions whose repeats for one file, while one waits undelivered, are folded into it. */
const COALESCED = new Set(["UPDATED", "ATTRIBUTES_MODIFIED", "OPENED", "ACCESSED"]);

/** The key of a waiting change to `change`'s file and subscription, with `action` (by default its own). */
function queueKey(change: FileChange, action: string = change.action): string {
  return `${action}\0${change.path}\0${change.subscription.category}\0${change.subscription.pattern}`;
}

/**
 * Hears a matching change. `pass` numbers the delivery pass: every change one pass delivers
 * was read from the kernel before the pass began (the publisher reads only between passes), so
 * what a listener reads of a file during a pass shows the file after each of those changes.
 */
export type FileChangeListener = (change: FileChange, pass: number) => void;

/** Watches the subscriptions' directories and reports matching changes. */
export class InotifyPublisher implements EventPublisher {
  readonly name = "inotify";
  refreshes = 0;
  #fd = -1;
  #running = false;
  #loop: Promise<void> | undefined;
  #waiter: ReadableWaiter | undefined;
  #subscriptions: FileSubscription[] = [];
  #matchers: RegExp[] = [];
  #excludes: RegExp[][] = [];
  readonly #watches = new Map<number, { dir: string; recursive: boolean }>();
  readonly #listeners: FileChangeListener[] = [];
  /** Delivery passes so far (each {@linkcode FileChangeListener} call says which it is in). */
  #passes = 0;
  /** Changes read from the kernel and not yet handed to listeners (hashing happens there). */
  #queue: FileChange[] = [];
  #queueHead = 0;
  /** Queued, undelivered changes by subscription, path and action: a repeat is coalesced. */
  readonly #queued = new Set<string>();
  /** Times the kernel's queue overflowed (IN_Q_OVERFLOW): events were lost. */
  overflows = 0;
  /** Repeated changes folded into one still waiting (osquery hashes a file once per burst too). */
  coalesced = 0;
  /** The kernel queue size this instance got (fs.inotify.max_queued_events at its start). */
  queueLimit = 0;
  #lastOverflowLog = 0;
  #overflowsLogged = 0;

  readonly #queueSysctl: string;

  /** `queueSysctl`: where the kernel's queue limit is raised (tests point it elsewhere). */
  constructor(options: { queueSysctl?: string } = {}) {
    this.#queueSysctl = options.queueSysctl ?? QUEUE_SYSCTL;
  }

  get active(): boolean {
    return this.#running;
  }

  /** Number of directories watched. */
  get watchCount(): number {
    return this.#watches.size;
  }

  /** Adds a listener for matching changes. */
  listen(listener: FileChangeListener): void {
    this.#listeners.push(listener);
  }

  /** Replaces the subscriptions (from config `file_paths` / `file_accesses`) and re-arms the watches. */
  configure(subscriptions: FileSubscription[]): void {
    this.#subscriptions = subscriptions;
    this.#matchers = subscriptions.map((s) => patternToRegExp(s.pattern));
    this.#excludes = subscriptions.map((s) => (s.exclude ?? []).map(patternToRegExp));
    this.refreshes++;
    if (this.#running) this.#rewatch();
  }

  /**
   * Subscribers other than file_events that need the watches (yara_events) say so here; the
   * publisher then runs even without `--enable_file_events`.
   */
  demanded = false;
  #systemRunning = false;

  /** Starts the watches now if the event system runs and someone needs them. */
  startIfDemanded(): Promise<void> {
    if (this.#running || !this.#systemRunning || !this.demanded) return Promise.resolve();
    return this.#open();
  }

  start(): Promise<void> {
    this.#systemRunning = true;
    if (!flags.bool("enable_file_events") && !this.demanded) return Promise.resolve();
    return this.#open();
  }

  #open(): Promise<void> {
    // The queue size is fixed when an instance starts: raise the limit first.
    this.queueLimit = raiseQueueLimit(this.#queueSysctl);
    const fd = libc().inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) return Promise.reject(new Error(`Cannot start inotify: ${lastErrorMessage()}`));
    this.#fd = fd;
    this.#running = true;
    this.#rewatch();
    this.#loop = this.#read();
    return Promise.resolve();
  }

  #mask(): number {
    const accesses = this.#subscriptions.some((s) => s.accesses);
    return DEFAULT_MASK | (accesses ? ACCESS_MASK : 0);
  }

  #rewatch(): void {
    for (const wd of this.#watches.keys()) libc().inotify_rm_watch(this.#fd, wd);
    this.#watches.clear();
    for (const s of this.#subscriptions) {
      const { dir, recursive } = watchRoot(s.pattern);
      this.#watch(dir, recursive);
    }
  }

  #watch(dir: string, recursive: boolean): void {
    const wd = libc().inotify_add_watch(this.#fd, cPath(dir), this.#mask());
    if (wd < 0) {
      console.error(`W Cannot watch ${dir}: ${lastErrorMessage()}`);
      return;
    }
    this.#watches.set(wd, { dir, recursive });
    if (!recursive) return;
    try {
      for (const entry of Deno.readDirSync(dir)) {
        if (entry.isDirectory && !entry.isSymlink) this.#watch(`${dir === "/" ? "" : dir}/${entry.name}`, true);
      }
    } catch {
      // Unreadable directories are skipped.
    }
  }

  /**
   * The reader: drains the kernel queue completely (non-blocking reads), then hands queued
   * changes to the listeners in slices of at most {@linkcode DELIVERY_SLICE_MS}, going back to
   * the kernel between slices and yielding to the event loop, so hashing never keeps the
   * kernel's queue from being emptied and scheduled queries keep their times during a burst.
   */
  async #read(): Promise<void> {
    const buf = new Uint8Array(new ArrayBuffer(READ_BUFFER));
    // Wakes only for a change or stop(): idle watches poll nothing.
    const waiter = this.#waiter = new ReadableWaiter(this.#fd);
    while (this.#running) {
      this.#readAvailable(buf);
      if (this.#queueHead < this.#queue.length) {
        this.#deliver(DELIVERY_SLICE_MS);
        await new Promise((r) => setTimeout(r, 0));
        continue;
      }
      await waiter.wait();
    }
  }

  /** Reads until the kernel has nothing more (the descriptor is non-blocking). */
  #readAvailable(buf: Uint8Array<ArrayBuffer>): void {
    const c = libc();
    while (this.#running) {
      const n = Number(c.read(this.#fd, buf, BigInt(buf.length)));
      if (n <= 0) return;
      this.#parse(buf.subarray(0, n));
    }
  }

  /** Hands queued changes to the listeners for up to `budgetMs`. */
  #deliver(budgetMs: number): void {
    const deadline = performance.now() + budgetMs;
    const pass = ++this.#passes;
    let i = this.#queueHead;
    while (i < this.#queue.length) {
      const change = this.#queue[i++];
      if (COALESCED.has(change.action)) this.#queued.delete(queueKey(change));
      for (const l of this.#listeners) {
        try {
          l(change, pass);
        } catch (err) {
          console.error(`W A file event listener failed: ${(err as Error).message}`);
        }
      }
      if ((i & 15) === 0 && performance.now() >= deadline) break;
    }
    if (i >= this.#queue.length) {
      this.#queue = [];
      this.#queueHead = 0;
    } else if (i > 4096 && i * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(i);
      this.#queueHead = 0;
    } else {
      this.#queueHead = i;
    }
  }

  /** Counts a kernel queue overflow; the status log says so at most every 10 s. */
  #overflowed(): void {
    this.overflows++;
    // osquery restarts the publisher's run loop on an overflow: it shows as a refresh.
    this.refreshes++;
    const now = Date.now();
    if (now - this.#lastOverflowLog < 10_000) return;
    this.#lastOverflowLog = now;
    const fresh = this.overflows - this.#overflowsLogged;
    this.#overflowsLogged = this.overflows;
    console.error(
      `W inotify event queue overflowed ${fresh} time(s) (${this.overflows} in all, queue of ${this.queueLimit} ` +
        "events): file events were lost; raise fs.inotify.max_queued_events or watch fewer paths",
    );
  }

  /**
   * Takes raw inotify records as read from the descriptor (the reader's path; tests feed
   * synthetic ones) into the queue, and with `deliver` hands everything queued to the listeners.
   */
  feed(data: Uint8Array, deliver = false): void {
    this.#parse(data);
    if (deliver) this.#deliver(Infinity);
  }

  #parse(data: Uint8Array): void {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    let pos = 0;
    while (pos + 16 <= data.length) {
      const wd = view.getInt32(pos, true);
      const mask = view.getUint32(pos + 4, true);
      const cookie = view.getUint32(pos + 8, true);
      const len = view.getUint32(pos + 12, true);
      const nameBytes = data.subarray(pos + 16, pos + 16 + len);
      const nul = nameBytes.indexOf(0);
      const name = decoder.decode(nul < 0 ? nameBytes : nameBytes.subarray(0, nul));
      pos += 16 + len;
      if (mask & IN_Q_OVERFLOW) {
        this.#overflowed();
        continue;
      }
      const watch = this.#watches.get(wd);
      if (!watch || mask & IN_IGNORED) continue;
      const path = name ? `${watch.dir === "/" ? "" : watch.dir}/${name}` : watch.dir;
      if (watch.recursive && mask & IN_ISDIR && mask & (IN_CREATE | IN_MOVED_TO)) this.#watch(path, true);
      const action = actionOf(mask);
      if (!action) continue;
      for (let i = 0; i < this.#subscriptions.length; i++) {
        const subscription = this.#subscriptions[i];
        if (!this.#matchers[i].test(path) || this.#excludes[i].some((x) => x.test(path))) continue;
        if ((action === "OPENED" || action === "ACCESSED") && !subscription.accesses) continue;
        const change = { path, action, cookie, subscription };
        if (COALESCED.has(action)) {
          // A change of the same kind already waiting for this file stands for this one too
          // (the file is read and hashed when the waiting one is delivered).
          const key = queueKey(change);
          if (this.#queued.has(key)) {
            this.coalesced++;
            continue;
          }
          this.#queued.add(key);
        } else {
          // A creation, deletion or move ends the run of repeats before it.
          if (this.#queued.size > 0) {
            for (const a of COALESCED) this.#queued.delete(queueKey(change, a));
          }
        }
        this.#queue.push(change);
      }
    }
  }

  async stop(): Promise<void> {
    this.#systemRunning = false;
    if (!this.#running) return;
    this.#running = false;
    this.#waiter?.wake();
    await this.#loop;
    this.#waiter?.close();
    this.#waiter = undefined;
    libc().close(this.#fd);
    this.#fd = -1;
    this.#watches.clear();
    // What was read and not delivered is handed over before the publisher stops.
    this.#deliver(Infinity);
  }
}
