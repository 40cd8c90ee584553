/**
 * Sockets matched to the processes holding them: the socket tables of every network namespace a
 * process is in, joined by inode to the "socket:[N]" links under /proc/<pid>/fd. What both
 * process_open_sockets and listening_ports select from.
 *
 * @module
 */
import { listNames, readLink } from "../../core/host/files.ts";
import { namespaceInode } from "../../core/host/proc.ts";
import { socketInode } from "./_fds.ts";
import { parseDecimal } from "../../core/host/text.ts";
import { listPids } from "./_pids.ts";
import { namespaceSockets, type SocketInfo } from "./_sockets.ts";

/** A socket matched to the process holding it (pid/fd -1 when no process holds it). */
export interface OpenSocket extends SocketInfo {
  /** The holding process, or -1. */
  pid: number;
  /** Its descriptor for the socket, or -1. */
  fd: number;
}

/**
 * Sockets per network namespace, kept only for the rest of the current synchronous run (one
 * query, including every per-pid scan of a join) and never longer than a moment.
 */
const namespaceCache = new Map<string, { at: number; byInode: Map<string, SocketInfo>; list: SocketInfo[] }>();
let cacheClearScheduled = false;
const CACHE_LIFETIME_MS = 250;

function cachedNamespaceSockets(
  pid: number,
  netns: string,
  proc: string,
  needed: readonly string[],
): { byInode: Map<string, SocketInfo>; list: SocketInfo[] } {
  const key = `${proc}\0${netns}`;
  const hit = namespaceCache.get(key);
  if (hit && performance.now() - hit.at < CACHE_LIFETIME_MS && needed.every((i) => hit.byInode.has(i))) return hit;
  const list = namespaceSockets(pid, netns, proc);
  const byInode = new Map<string, SocketInfo>();
  for (const s of list) byInode.set(s.inode, s);
  const entry = { at: performance.now(), byInode, list };
  namespaceCache.set(key, entry);
  if (!cacheClearScheduled) {
    cacheClearScheduled = true;
    queueMicrotask(() => {
      namespaceCache.clear();
      cacheClearScheduled = false;
    });
  }
  return entry;
}

/**
 * Open sockets as osquery's process_open_sockets finds them under the procfs at `proc`. With
 * `pids` (from `pid =`/`IN`), only sockets those processes hold; without, every socket of every
 * namespace a process is in, including ones no process holds (pid -1).
 */
export function openSockets(pids: readonly number[] | undefined, proc: string): OpenSocket[] {
  const filtered = pids !== undefined;
  const scan = filtered ? pids : listPids(proc);
  const holders = new Map<string, { pid: number; fd: number }>();
  const namespacesRead = new Set<string>();
  // Socket inodes are unique across the host (one sockfs), so a socket met twice (a namespace
  // read through two views) is listed once.
  const listed = new Set<string>();
  const sockets: SocketInfo[] = [];
  const addFrom = (list: readonly SocketInfo[]) => {
    for (const s of list) {
      if (listed.has(s.inode)) continue;
      listed.add(s.inode);
      sockets.push(s);
    }
  };
  // Processes whose namespace link is unreadable are read last, under namespace "0", so their
  // view only adds sockets no known namespace listed.
  const unknownNamespace: [number, string[]][] = [];
  for (const pid of scan) {
    const inodes: string[] = [];
    const dir = `${proc}/${pid}/fd`;
    for (const name of listNames(dir)) {
      const link = readLink(`${dir}/${name}`);
      if (link === undefined) continue;
      const inode = socketInode(link);
      if (inode === undefined) continue;
      const fd = parseDecimal(name);
      if (fd === undefined) continue;
      holders.set(inode, { pid, fd });
      inodes.push(inode);
    }
    // A filtered scan needs no socket tables for a process that holds no sockets.
    if (filtered && inodes.length === 0) continue;
    const netns = namespaceInode(pid, "net", proc);
    if (netns === undefined) {
      unknownNamespace.push([pid, inodes]);
      continue;
    }
    if (namespacesRead.has(netns)) continue;
    namespacesRead.add(netns);
    addFrom(filtered ? cachedNamespaceSockets(pid, netns, proc, inodes).list : namespaceSockets(pid, netns, proc));
  }
  // Of those, the first view is read, and another only when it holds a socket not yet listed.
  for (let i = 0; i < unknownNamespace.length; i++) {
    const [pid, inodes] = unknownNamespace[i];
    if (i > 0 && inodes.every((inode) => listed.has(inode))) continue;
    addFrom(namespaceSockets(pid, "0", proc));
  }
  const out: OpenSocket[] = [];
  for (const s of sockets) {
    const holder = holders.get(s.inode);
    if (holder === undefined && filtered) continue;
    out.push({ ...s, pid: holder?.pid ?? -1, fd: holder?.fd ?? -1 });
  }
  return out;
}
