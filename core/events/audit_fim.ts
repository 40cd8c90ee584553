/**
 * File integrity monitoring from audit records (process_file_events), after osquery's design:
 * the file syscalls of every process are followed to keep, per process, which descriptor
 * refers to which inode and what was last done through it, and per inode the path it was
 * opened by. A change is reported when something happens to a path under the config's file_paths:
 * opened with truncation, first written, truncated, renamed, linked, unlinked (and, with
 * `--audit_fim_show_accesses`, opened, first read and closed).
 *
 * Events of processes that started before osq, or descriptors opened before, cannot be tied to a
 * path: they are skipped, as osquery skips its "partial" events. Differences from osquery: exit
 * values are read as decimal (osquery reads them as hex, which misnumbers descriptors from 10
 * on), renames are reported even when the source was never opened under osq's watch, and
 * file_paths patterns are matched as patterns (osquery expands them once, at configure time).
 *
 * @module
 */
import { AUDIT, type AuditEvent, auditInteger, type AuditRecord, decodeAuditValue } from "./audit_records.ts";
import type { SyscallNumbers } from "./audit.ts";

/** What was last done through a descriptor. */
type LastOperation = "open" | "read" | "write";

interface Descriptor {
  inode: number;
  last: LastOperation;
}

/** What one syscall did, before the watched-path filter: `write` marks a change (not an access). */
interface TrackedChange {
  operation: string;
  path: string;
  dest?: string;
  write: boolean;
}

interface PathItem {
  path: string;
  inode: number;
  /** PARENT, CREATE, DELETE, NORMAL, UNKNOWN (absent on old kernels). */
  nametype: string;
}

/**
 * The full path of a PATH item: a bare name joins its PARENT item's path (the kernel writes a
 * parent's full path when it was not named), anything else joins the working directory.
 */
function childPath(parent: PathItem | undefined, child: PathItem, cwd: string): string {
  if (parent && parent.path.startsWith("/") && !child.path.includes("/")) {
    return normalizeAuditPath(parent.path, child.path);
  }
  return normalizeAuditPath(cwd, child.path);
}

const MAX_INODES = 20000;
const MAX_PROCESSES = 4096;
const O_TRUNC = 0o1000;
const PROT_WRITE = 0x2;

/** Joins a path to its working directory and resolves `.`/`..` without touching the disk. */
export function normalizeAuditPath(cwd: string, path: string): string {
  const full = path.startsWith("/") ? path : `${cwd}/${path}`;
  const parts: string[] = [];
  for (const part of full.split("/")) {
    if (!part || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return "/" + parts.join("/");
}

/** Options for a {@linkcode ProcessFileTracker}. */
export interface ProcessFileTrackerOptions {
  /** Whether a path is watched (from the config's file_paths). */
  included: (path: string) => boolean;
  /** Report opens, first reads and closes too (`--audit_fim_show_accesses`). */
  showAccesses?: () => boolean;
  /** The syscall numbers of the records' architecture. */
  syscalls: SyscallNumbers;
}

/**
 * A change to report: what a process did to which path. The events area makes the
 * process_file_events row of it; the process's ids and executable are in its SYSCALL record.
 */
export interface FileChange {
  /** open, open+truncate, read, write, close, rename, link, symlink or unlink. */
  operation: string;
  path: string;
  /** The new name of a rename, link or symlink. */
  dest?: string;
  pid: number;
  /** The process's working directory at the syscall. */
  cwd: string;
  /** The event's SYSCALL record. */
  syscall: AuditRecord;
}

/** Follows processes' file descriptors through audit events and reports the changes to watched paths. */
export class ProcessFileTracker {
  readonly #inodes = new Map<number, string>();
  readonly #processes = new Map<number, Map<number, Descriptor>>();
  readonly #options: ProcessFileTrackerOptions;
  readonly #names = new Map<number, string>();

  constructor(options: ProcessFileTrackerOptions) {
    this.#options = options;
    const s = options.syscalls;
    for (const [name, nr] of Object.entries(s.file)) this.#names.set(nr, name);
    for (const [name, nr] of [["clone", s.clone], ["fork", s.fork], ["vfork", s.vfork]] as const) {
      if (nr !== undefined) this.#names.set(nr, name);
    }
  }

  /** Forgets every process and inode. */
  clear(): void {
    this.#inodes.clear();
    this.#processes.clear();
  }

  /** Processes one event; returns the change it made when it is one to report. */
  handle(event: AuditEvent): FileChange | undefined {
    if (event.kind !== "syscall" || !event.success || event.syscall === undefined) return undefined;
    const name = this.#names.get(event.syscall);
    if (!name) return undefined;
    const sys = event.records.find((r) => r.type === AUDIT.SYSCALL);
    if (!sys) return undefined;
    const pid = auditInteger(sys.fields, "pid");
    const ret = auditInteger(sys.fields, "exit");
    if (pid === undefined || ret === undefined) return undefined;
    let cwd = "";
    const paths = new Map<number, PathItem>();
    let mmap: AuditRecord | undefined;
    for (const r of event.records) {
      if (r.type === AUDIT.CWD) cwd = decodeAuditValue(r.fields.get("cwd") ?? "");
      else if (r.type === AUDIT.PATH) {
        const item = auditInteger(r.fields, "item");
        if (item === undefined) return undefined;
        paths.set(item, {
          path: decodeAuditValue(r.fields.get("name") ?? ""),
          inode: auditInteger(r.fields, "inode") ?? 0,
          nametype: r.fields.get("nametype") ?? "",
        });
      } else if (r.type === AUDIT.MMAP) mmap = r;
    }
    const change = this.#apply(name, pid, ret, sys, cwd, paths, mmap);
    if (!change) return undefined;
    const { included, showAccesses } = this.#options;
    if (!included(change.path) && !(change.dest && included(change.dest))) return undefined;
    if (!change.write && !showAccesses?.()) return undefined;
    const { operation, path, dest } = change;
    return dest === undefined
      ? { operation, path, pid, cwd, syscall: sys }
      : { operation, path, dest, pid, cwd, syscall: sys };
  }

  #apply(
    name: string,
    pid: number,
    ret: number,
    sys: AuditRecord,
    cwd: string,
    paths: Map<number, PathItem>,
    mmap: AuditRecord | undefined,
  ): TrackedChange | undefined {
    const p = (i: number) => paths.get(i);
    switch (name) {
      case "clone":
      case "fork":
      case "vfork": {
        const fds = this.#processes.get(pid);
        if (fds) this.#setProcess(ret, new Map([...fds].map(([fd, desc]) => [fd, { ...desc }])));
        return undefined;
      }
      case "dup":
      case "dup2":
      case "dup3": {
        const fd = auditInteger(sys.fields, "a0", 16);
        const desc = fd === undefined ? undefined : this.#processes.get(pid)?.get(fd);
        if (desc) this.#processes.get(pid)!.set(ret, { ...desc });
        return undefined;
      }
      case "link":
      case "linkat":
      case "symlink":
      case "symlinkat": {
        if (paths.size !== 3 || !p(0) || !p(1) || !p(2)) return undefined;
        const items = [p(0)!, p(1)!, p(2)!];
        const created = items.find((i) => i.nametype === "CREATE");
        let source: string;
        let dest: string;
        let sourceInode: number;
        if (created) {
          // Current kernels: the new name's PARENT, the existing name, the CREATE'd name.
          const parent = items.find((i) => i.nametype === "PARENT");
          const existing = items.find((i) => i !== created && i !== parent) ?? items[0];
          source = normalizeAuditPath(cwd, existing.path);
          dest = childPath(parent, created, cwd);
          sourceInode = existing.inode;
        } else {
          // Older kernels (osquery's reading): the existing name, the new name's directory, the new name.
          source = normalizeAuditPath(cwd, items[0].path);
          dest = normalizeAuditPath(items[1].path, items[2].path);
          sourceInode = items[0].inode;
        }
        if (!name.startsWith("sym")) this.#saveInode(sourceInode, dest);
        return { operation: name.startsWith("sym") ? "symlink" : "link", path: source, dest, write: true };
      }
      case "rename":
      case "renameat":
      case "renameat2": {
        if ((paths.size !== 4 && paths.size !== 5) || !p(0) || !p(1) || !p(2)) return undefined;
        const items = [...paths.entries()].sort(([a], [b]) => a - b).map(([, i]) => i);
        const deleted = items.find((i) => i.nametype === "DELETE") ?? p(2)!;
        const created = items.find((i) => i.nametype === "CREATE") ?? p(paths.size === 4 ? 3 : 4);
        if (!created) return undefined;
        const source = childPath(p(0), deleted, cwd);
        const dest = childPath(p(1), created, cwd);
        this.#inodes.delete(deleted.inode);
        this.#saveInode(created.inode, dest);
        return { operation: "rename", path: source, dest, write: true };
      }
      case "unlink":
      case "unlinkat": {
        if (paths.size !== 2 || !p(0) || !p(1)) return undefined;
        this.#inodes.delete(p(1)!.inode);
        return { operation: "unlink", path: childPath(p(0), p(1)!, cwd), write: true };
      }
      case "truncate": {
        if (paths.size !== 1 || !p(0)) return undefined;
        const path = normalizeAuditPath(cwd, p(0)!.path);
        this.#saveInode(p(0)!.inode, path);
        return { operation: "write", path, write: true };
      }
      case "open":
      case "openat":
      case "creat":
      case "mknod":
      case "mknodat":
      case "open_by_handle_at":
        return this.#open(name, pid, ret, sys, cwd, paths);
      case "close": {
        const fd = auditInteger(sys.fields, "a0", 16);
        const fds = this.#processes.get(pid);
        const desc = fd === undefined ? undefined : fds?.get(fd);
        if (!desc) return undefined;
        fds!.delete(fd!);
        const path = this.#inodes.get(desc.inode);
        return path === undefined ? undefined : { operation: "close", path, write: false };
      }
      case "mmap": {
        if (!mmap) return undefined;
        const fd = auditInteger(mmap.fields, "fd");
        const prot = auditInteger(sys.fields, "a2", 16) ?? PROT_WRITE;
        return fd === undefined ? undefined : this.#io(pid, fd, (prot & PROT_WRITE) !== 0);
      }
      case "name_to_handle_at":
        return undefined;
      default: {
        // read, readv, pread64, preadv, write, writev, pwrite64, pwritev, ftruncate
        const fd = auditInteger(sys.fields, "a0", 16);
        const write = name.includes("write") || name === "ftruncate";
        return fd === undefined ? undefined : this.#io(pid, fd, write);
      }
    }
  }

  #open(
    name: string,
    pid: number,
    ret: number,
    sys: AuditRecord,
    cwd: string,
    paths: Map<number, PathItem>,
  ): TrackedChange | undefined {
    const flagsArg = name === "open" ? "a1" : name === "openat" || name === "open_by_handle_at" ? "a2" : undefined;
    const truncate = flagsArg !== undefined && ((auditInteger(sys.fields, flagsArg, 16) ?? O_TRUNC) & O_TRUNC) !== 0;
    let parent: PathItem | undefined;
    let item: PathItem | undefined;
    if (name === "creat" || name === "mknod" || name === "mknodat") {
      if (paths.size !== 2) return undefined;
      [parent, item] = [paths.get(0), paths.get(1)];
    } else if (name === "open_by_handle_at") {
      if (paths.size !== 1) return undefined;
      item = paths.get(0);
      if (!item || !this.#inodes.has(item.inode)) return undefined;
    } else if (paths.size === 2) {
      // Created by the open: the directory, then the new name.
      [parent, item] = [paths.get(0), paths.get(1)];
    } else if (paths.size === 1 || paths.size === 3) {
      item = paths.get(0);
    } else return undefined;
    if (!item) return undefined;
    const path = childPath(parent, item, cwd);
    this.#descriptors(pid).set(ret, { inode: item.inode, last: "open" });
    this.#saveInode(item.inode, path);
    return { operation: truncate ? "open+truncate" : "open", path, write: truncate };
  }

  #io(pid: number, fd: number, write: boolean): TrackedChange | undefined {
    const desc = this.#processes.get(pid)?.get(fd);
    if (!desc) return undefined;
    const before = desc.last;
    if (before === "open") desc.last = write ? "write" : "read";
    else if (before === "read" && write) desc.last = "write";
    if (desc.last === before) return undefined; // only the first read, and the first write, are reported
    const path = this.#inodes.get(desc.inode);
    return path === undefined ? undefined : { operation: write ? "write" : "read", path, write };
  }

  #descriptors(pid: number): Map<number, Descriptor> {
    let fds = this.#processes.get(pid);
    if (!fds) {
      fds = new Map();
      this.#setProcess(pid, fds);
    }
    return fds;
  }

  #setProcess(pid: number, fds: Map<number, Descriptor>): void {
    this.#processes.delete(pid);
    this.#processes.set(pid, fds);
    if (this.#processes.size > MAX_PROCESSES) this.#processes.delete(this.#processes.keys().next().value!);
  }

  #saveInode(inode: number, path: string): void {
    this.#inodes.delete(inode);
    this.#inodes.set(inode, path);
    if (this.#inodes.size > MAX_INODES) this.#inodes.delete(this.#inodes.keys().next().value!);
  }
}
