/**
 * `process_open_pipes`: pipe ends (anonymous and named) each process holds, paired with the
 * processes at the other end. The open mode of an end is read from the owner bits procfs gives
 * its fd link; a named pipe is a descriptor whose path is a FIFO.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import type { Host } from "../../core/host/host.ts";
import { descriptors } from "./_fds.ts";
import { listPids } from "./_pids.ts";

export default registerTable(defineTable({
  name: "process_open_pipes",
  description: "Pipes (anonymous and named) each process holds open, with the process and descriptor at the other end.",
  columns: [
    { name: "pid", type: "BIGINT", description: "Process holding this end." },
    { name: "fd", type: "BIGINT", description: "Its descriptor for the pipe." },
    { name: "mode", type: "TEXT", description: "How this end is open: r, w or rw." },
    { name: "inode", type: "BIGINT", description: "Inode of the pipe (shared by its ends)." },
    { name: "type", type: "TEXT", description: "anonymous (pipe(2)) or named (a FIFO on a filesystem)." },
    { name: "partner_pid", type: "BIGINT", description: "Process holding an end this one talks to." },
    { name: "partner_fd", type: "BIGINT", description: "That process's descriptor for the pipe." },
    { name: "partner_mode", type: "TEXT", description: "How the partner's end is open: r, w or rw." },
  ],
  generate(ctx) {
    return pairPipes(pipeEnds(ctx.host, () => ctx.cancelled));
  },
}));

/** One pipe end held by a process. */
export interface PipeEnd {
  /** The holding process. */
  pid: number;
  /** Its descriptor. */
  fd: number;
  /** "r", "w", "rw" (or "" / "-" when the descriptor could not be examined). */
  mode: string;
  /** The pipe's inode. */
  inode: number;
  /** Whether the pipe has a name on a filesystem. */
  type: "anonymous" | "named";
}

/**
 * Pairs pipe ends into rows as osquery does: an end alone on its pipe gives one row without a
 * partner; otherwise one row per partner end that reads where this one writes (or either is "rw").
 */
export function pairPipes(ends: readonly PipeEnd[]): Row[] {
  const byInode = new Map<number, PipeEnd[]>();
  for (const end of ends) {
    const list = byInode.get(end.inode);
    if (list) list.push(end);
    else byInode.set(end.inode, [end]);
  }
  const rows: Row[] = [];
  for (const end of ends) {
    const base = { pid: end.pid, fd: end.fd, mode: end.mode, inode: end.inode, type: end.type };
    const partners = byInode.get(end.inode)!;
    if (partners.length === 1) {
      rows.push(base);
      continue;
    }
    for (const partner of partners) {
      if (partner === end) continue;
      if (partner.mode === end.mode && end.mode !== "rw") continue;
      rows.push({ ...base, partner_pid: partner.pid, partner_fd: partner.fd, partner_mode: partner.mode });
    }
  }
  return rows;
}

/**
 * Every pipe end of every process of `host`. `stop` is polled once per process; once it says so
 * (an interrupted query) the collection ends with the ends found so far.
 */
function pipeEnds(host: Host, stop: () => boolean): PipeEnd[] {
  const proc = host.path("/proc");
  const ends: PipeEnd[] = [];
  const fifos = new Map<string, number | undefined>();
  for (const pid of listPids(proc)) {
    if (stop()) break;
    for (const [fd, link] of descriptors(pid, proc)) {
      if (link.startsWith("pipe:[")) {
        const inode = Number(link.slice(6, -1));
        if (!Number.isSafeInteger(inode) || !link.endsWith("]")) continue;
        ends.push({ pid, fd, mode: descriptorMode(`${proc}/${pid}/fd/${fd}`), inode, type: "anonymous" });
      } else if (link.startsWith("/")) {
        // Only a path can name a FIFO; sockets and anonymous inodes never do.
        const inode = fifoInode(host.path(link), fifos);
        if (inode === undefined) continue;
        ends.push({ pid, fd, mode: descriptorMode(`${proc}/${pid}/fd/${fd}`), inode, type: "named" });
      }
    }
  }
  return ends;
}

/** The open mode of a descriptor: procfs sets the link's owner read/write bits to match it. */
function descriptorMode(linkPath: string): string {
  let mode: number | null;
  try {
    mode = Deno.lstatSync(linkPath).mode;
  } catch {
    return "-";
  }
  if (mode === null) return "-";
  return (mode & 0o444 ? "r" : "") + (mode & 0o222 ? "w" : "");
}

/** The inode of a FIFO at `path`, or undefined when `path` is not a FIFO. */
function fifoInode(path: string, cache: Map<string, number | undefined>): number | undefined {
  if (cache.has(path)) return cache.get(path);
  let inode: number | undefined;
  try {
    const st = Deno.statSync(path);
    if (st.isFifo) inode = st.ino ?? undefined;
  } catch {
    inode = undefined;
  }
  cache.set(path, inode);
  return inode;
}
