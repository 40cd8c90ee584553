/**
 * `shared_memory`: System V shared memory segments, from /proc/sysvipc/shm (the same facts
 * shmctl(SHM_STAT) gives osquery, without walking every id).
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readText, words } from "./_lib.ts";

export default registerTable(defineTable({
  name: "shared_memory",
  description: "System V shared memory segments: owner, creator, times, permissions, size and attachments.",
  columns: [
    { name: "shmid", type: "INTEGER", description: "The segment's id." },
    { name: "owner_uid", type: "BIGINT", description: "The uid that owns the segment." },
    { name: "creator_uid", type: "BIGINT", description: "The uid that created the segment." },
    { name: "pid", type: "BIGINT", description: "The last process to attach or detach the segment." },
    { name: "creator_pid", type: "BIGINT", description: "The process that created the segment." },
    { name: "atime", type: "BIGINT", description: "When a process last attached, Unix seconds (0 never)." },
    { name: "dtime", type: "BIGINT", description: "When a process last detached, Unix seconds (0 never)." },
    { name: "ctime", type: "BIGINT", description: "When the segment was last changed, Unix seconds." },
    { name: "permissions", type: "TEXT", description: "The access mode, four octal digits." },
    { name: "size", type: "BIGINT", description: "The segment's size in bytes." },
    { name: "attached", type: "INTEGER", description: "How many processes have it attached now." },
    { name: "status", type: "TEXT", description: "dest when marked for destruction once the last user detaches." },
    { name: "locked", type: "INTEGER", description: "1 when the segment is locked in RAM (never swapped), else 0." },
  ],
  generate(ctx) {
    return parseSysvShm(readText(ctx.host.path("/proc/sysvipc/shm")) ?? "");
  },
}));

const SHM_DEST = 0o1000;
const SHM_LOCKED = 0o2000;

/** Four octal digits of a mode's permission bits (setuid/sticky digit first), as osquery's lsperms. */
function lsperms(mode: number): string {
  return [9, 6, 3, 0].map((shift) => String((mode >> shift) & 7)).join("");
}

/** Parses /proc/sysvipc/shm; the header and lines with missing or non-numeric fields are skipped. */
export function parseSysvShm(text: string): Row[] {
  const lines = text.split("\n");
  const header = words((lines.shift() ?? "").trim());
  const rows: Row[] = [];
  for (const line of lines) {
    const f = words(line.trim());
    if (f.length < header.length || f.length < 14) continue;
    const v = new Map(header.map((h, i) => [h, f[i]]));
    const field = (name: string) => v.get(name);
    const numeric = ["shmid", "size", "cpid", "lpid", "nattch", "uid", "cuid", "atime", "dtime", "ctime"];
    if (!numeric.every((n) => /^\d+$/.test(field(n) ?? "")) || !/^[0-7]+$/.test(field("perms") ?? "")) continue;
    const mode = parseInt(field("perms")!, 8);
    rows.push({
      shmid: field("shmid"),
      owner_uid: field("uid"),
      creator_uid: field("cuid"),
      pid: field("lpid"),
      creator_pid: field("cpid"),
      atime: field("atime"),
      dtime: field("dtime"),
      ctime: field("ctime"),
      permissions: lsperms(mode),
      size: field("size"),
      attached: field("nattch"),
      status: mode & SHM_DEST ? "dest" : "",
      locked: mode & SHM_LOCKED ? 1 : 0,
    });
  }
  return rows;
}
