// process_open_pipes — pipe ends each process holds, paired with the processes at the other end.
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { descriptors, listPids, PROC_ROOT } from "./_lib.ts";

/** One pipe end held by a process. */
interface PipeEnd {
  pid: number;
  fd: number;
  /** "r", "w", "rw" (or "" / "-" when the descriptor could not be examined). */
  mode: string;
  inode: number;
  type: "anonymous" | "named";
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

/**
 * Collects every pipe end of every process under `root`. `stop` is polled once per process; once
 * it says so (an interrupted query) the collection ends with the ends found so far.
 */
export function pipeEnds(root = PROC_ROOT, stop: () => boolean = () => false): PipeEnd[] {
  const ends: PipeEnd[] = [];
  const fifos = new Map<string, number | undefined>();
  for (const pid of listPids(root)) {
    if (stop()) break;
    for (const [fd, link] of descriptors(pid, root)) {
      if (link.startsWith("pipe:[")) {
        const inode = Number(link.slice(6, -1));
        if (!Number.isSafeInteger(inode) || !link.endsWith("]")) continue;
        ends.push({ pid, fd, mode: descriptorMode(`${root}/${pid}/fd/${fd}`), inode, type: "anonymous" });
      } else if (link.startsWith("/")) {
        // Only a path can name a FIFO; sockets and anonymous inodes never do.
        const inode = fifoInode(link, fifos);
        if (inode === undefined) continue;
        ends.push({ pid, fd, mode: descriptorMode(`${root}/${pid}/fd/${fd}`), inode, type: "named" });
      }
    }
  }
  return ends;
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

export default registerTable(defineTable({
  name: "process_open_pipes",
  description: "Pipes (anonymous and named) each process holds open, with the process and descriptor at the other end.",
  columns: [
    { name: "pid", type: "BIGINT" },
    { name: "fd", type: "BIGINT" },
    { name: "mode", type: "TEXT" },
    { name: "inode", type: "BIGINT" },
    { name: "type", type: "TEXT" },
    { name: "partner_pid", type: "BIGINT" },
    { name: "partner_fd", type: "BIGINT" },
    { name: "partner_mode", type: "TEXT" },
  ],
  generate(ctx) {
    return pairPipes(pipeEnds(PROC_ROOT, () => ctx.cancelled));
  },
}));
