// processes — one row per running process, read from /proc/<pid>/{stat,status,cmdline,exe,...}.
import { defineTable, type QueryContext, type Row, type Rows } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import {
  bootTime,
  CLOCK_TICKS,
  nameFromComm,
  onDisk,
  parseCgroup,
  parseCmdline,
  parseIo,
  parseStat,
  parseStatus,
  pidsToScan,
  PROC_ROOT,
  readLink,
  readText,
} from "./_lib.ts";

const MS_PER_TICK = Math.floor(1000 / CLOCK_TICKS);

/** Columns filled from /proc/<pid>/status. */
const STATUS_COLUMNS = ["uid", "gid", "euid", "egid", "suid", "sgid", "resident_size", "total_size"];

/** Generates process rows from the procfs at `root` (the live one by default). */
export function* generateProcesses(ctx: QueryContext, root = PROC_ROOT): Generator<Row> {
  const pids = pidsToScan(ctx, root);
  const used = (c: string) => ctx.isUsed(c);
  const wantStatus = STATUS_COLUMNS.some(used);
  // stat is the cheapest proof that the process still exists (and holds the name when status is
  // not read): read it for every query that asks for more than pids.
  const onlyPids = ctx.usedColumns !== undefined && [...ctx.usedColumns].every((c) => c === "pid");
  const wantStat = !onlyPids;
  const wantName = used("name");
  const wantPath = used("path") || used("on_disk");
  const wantOnDisk = used("on_disk");
  const wantCmdline = used("cmdline");
  const wantCwd = used("cwd");
  const wantRoot = used("root");
  const wantIo = used("disk_bytes_read") || used("disk_bytes_written");
  const wantCgroup = used("cgroup_path");
  const boot = used("start_time") ? bootTime(root) : 0;

  for (const pid of pids) {
    const base = `${root}/${pid}/`;
    const row: Row = { pid };
    if (wantStat) {
      const text = readText(base + "stat");
      if (text === undefined) continue; // vanished since the listing
      const stat = parseStat(text);
      if (stat === undefined) continue;
      row.state = stat.state;
      row.parent = stat.parent;
      row.pgroup = stat.pgroup;
      row.nice = stat.nice;
      row.threads = stat.threads;
      row.user_time = stat.utime * MS_PER_TICK;
      row.system_time = stat.stime * MS_PER_TICK;
      row.start_time = boot > 0 ? boot + Math.floor(stat.starttime / CLOCK_TICKS) : -1;
      if (wantName && !wantStatus) row.name = nameFromComm(stat.comm);
    }
    if (wantStatus) {
      const text = readText(base + "status");
      if (text === undefined) continue;
      const status = parseStatus(text);
      if (status === undefined) continue;
      row.name = status.name;
      row.uid = status.uid;
      row.gid = status.gid;
      row.euid = status.euid;
      row.egid = status.egid;
      row.suid = status.suid;
      row.sgid = status.sgid;
      row.resident_size = status.residentSize;
      row.total_size = status.totalSize;
    }
    if (wantPath) {
      const exe = readLink(base + "exe") ?? "";
      if (exe.endsWith(" (deleted)") || wantOnDisk) {
        const checked = onDisk(exe, base + "maps");
        row.path = checked.path;
        row.on_disk = checked.onDisk;
      } else row.path = exe;
    }
    if (wantCmdline) row.cmdline = parseCmdline(readText(base + "cmdline") ?? "");
    if (wantCgroup) row.cgroup_path = parseCgroup(readText(base + "cgroup") ?? "");
    if (wantCwd) row.cwd = readLink(base + "cwd") ?? "";
    if (wantRoot) row.root = readLink(base + "root") ?? "";
    row.wired_size = 0; // Linux has no unpageable-memory counter per process.
    if (wantIo) {
      // /proc/<pid>/io needs privileges over the process; without them both columns stay NULL.
      const text = readText(base + "io");
      if (text !== undefined) {
        const io = parseIo(text);
        row.disk_bytes_read = io.readBytes;
        row.disk_bytes_written = io.writtenBytes;
      }
    }
    yield row;
  }
}

export default registerTable(defineTable({
  name: "processes",
  description: "Every running process: identity, owner, executable and arguments, memory, CPU time and I/O.",
  attributes: { cacheable: true, strongly_typed_rows: true },
  columns: [
    { name: "pid", type: "BIGINT", index: true, optimized: true },
    { name: "name", type: "TEXT" },
    { name: "path", type: "TEXT" },
    { name: "cmdline", type: "TEXT" },
    { name: "state", type: "TEXT" },
    { name: "cwd", type: "TEXT" },
    { name: "root", type: "TEXT" },
    { name: "uid", type: "BIGINT" },
    { name: "gid", type: "BIGINT" },
    { name: "euid", type: "BIGINT" },
    { name: "egid", type: "BIGINT" },
    { name: "suid", type: "BIGINT" },
    { name: "sgid", type: "BIGINT" },
    { name: "on_disk", type: "INTEGER" },
    { name: "wired_size", type: "BIGINT" },
    { name: "resident_size", type: "BIGINT" },
    { name: "total_size", type: "BIGINT" },
    { name: "user_time", type: "BIGINT" },
    { name: "system_time", type: "BIGINT" },
    { name: "disk_bytes_read", type: "BIGINT" },
    { name: "disk_bytes_written", type: "BIGINT" },
    { name: "start_time", type: "BIGINT" },
    { name: "parent", type: "BIGINT" },
    { name: "pgroup", type: "BIGINT" },
    { name: "threads", type: "INTEGER" },
    { name: "nice", type: "INTEGER" },
    { name: "elevated_token", type: "INTEGER", linuxHidden: true },
    { name: "secure_process", type: "INTEGER", linuxHidden: true },
    { name: "protection_type", type: "TEXT", linuxHidden: true },
    { name: "virtual_process", type: "INTEGER", linuxHidden: true },
    { name: "elapsed_time", type: "BIGINT", linuxHidden: true },
    { name: "handle_count", type: "BIGINT", linuxHidden: true },
    { name: "percent_processor_time", type: "BIGINT", linuxHidden: true },
    { name: "upid", type: "BIGINT", linuxHidden: true },
    { name: "uppid", type: "BIGINT", linuxHidden: true },
    { name: "cpu_type", type: "INTEGER", linuxHidden: true },
    { name: "cpu_subtype", type: "INTEGER", linuxHidden: true },
    { name: "translated", type: "INTEGER", linuxHidden: true },
    { name: "cgroup_path", type: "TEXT" },
  ],
  generate(ctx: QueryContext): Rows {
    return generateProcesses(ctx);
  },
}));
