/**
 * A process's open descriptors, read from the /proc/<pid>/fd links, and what a link names.
 *
 * @module
 */
import { listNames, readLink } from "../../core/host/files.ts";
import { parseDecimal } from "../../core/host/text.ts";

/** The open descriptors of `pid` under the procfs at `proc` as [fd, link target] pairs, ascending by fd. */
export function descriptors(pid: number, proc: string): [number, string][] {
  const dir = `${proc}/${pid}/fd`;
  const out: [number, string][] = [];
  for (const name of listNames(dir)) {
    const fd = parseDecimal(name);
    if (fd === undefined) continue;
    const link = readLink(`${dir}/${name}`);
    if (link !== undefined) out.push([fd, link]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/** The inode named by a "socket:[N]" descriptor link, or undefined for other descriptors. */
export function socketInode(link: string): string | undefined {
  if (!link.startsWith("socket:[") || !link.endsWith("]")) return undefined;
  return link.slice(8, -1);
}
