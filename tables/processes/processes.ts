/**
 * `processes`: one row per running process, read from /proc/<pid>/{stat,status,comm,cmdline,exe,...}.
 * Only the files behind the columns a query uses are read, and `pid =`/`IN` limits the scan to
 * the named processes, so `SELECT pid, name` costs one comm read per process on the live host.
 *
 * @module
 */
import { defineTable, type QueryContext, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import type { Host } from "../../core/host/host.ts";
import { readLink, readProcText, readText } from "../../core/host/files.ts";
import { parseStat } from "../../core/host/proc.ts";
import { onDisk } from "./_maps.ts";
import { pidsToScan } from "./_pids.ts";
import { bootTime, CLOCK_TICKS, nameFromComm, parseCgroup, parseCmdline, parseIo, parseStatus } from "./_proc.ts";

export default registerTable(defineTable({
  name: "processes",
  description: "Every running process: identity, owner, executable and arguments, memory, CPU time and I/O.",
  attributes: { cacheable: true, strongly_typed_rows: true },
  columns: [
    { name: "pid", type: "BIGINT", index: true, optimized: true, description: "Process id." },
    { name: "name", type: "TEXT", description: "Command name as the kernel keeps it (status Name, escaped)." },
    { name: "path", type: "TEXT", description: "Path of the executable the process runs." },
    { name: "cmdline", type: "TEXT", description: "The full argument vector, joined by spaces." },
    { name: "state", type: "TEXT", description: "Scheduler state letter (R running, S sleeping, Z zombie, ...)." },
    { name: "cwd", type: "TEXT", description: "Current working directory." },
    { name: "root", type: "TEXT", description: "Root directory as the process sees it (differs under chroot)." },
    { name: "uid", type: "BIGINT", description: "Real user id." },
    { name: "gid", type: "BIGINT", description: "Real group id." },
    { name: "euid", type: "BIGINT", description: "Effective user id." },
    { name: "egid", type: "BIGINT", description: "Effective group id." },
    { name: "suid", type: "BIGINT", description: "Saved user id." },
    { name: "sgid", type: "BIGINT", description: "Saved group id." },
    { name: "on_disk", type: "INTEGER", description: "Whether the executable still exists: 1 yes, 0 no, -1 unknown." },
    { name: "wired_size", type: "BIGINT", description: "Unpageable memory in bytes; always 0 on Linux." },
    { name: "resident_size", type: "BIGINT", description: "Resident memory in bytes (VmRSS)." },
    { name: "total_size", type: "BIGINT", description: "Virtual memory size in bytes (VmSize)." },
    { name: "user_time", type: "BIGINT", description: "CPU time spent in user mode, in milliseconds." },
    { name: "system_time", type: "BIGINT", description: "CPU time spent in the kernel, in milliseconds." },
    { name: "disk_bytes_read", type: "BIGINT", description: "Bytes the process caused to be read from storage." },
    {
      name: "disk_bytes_written",
      type: "BIGINT",
      description: "Bytes the process caused to be written to storage, less cancelled writes.",
    },
    { name: "start_time", type: "BIGINT", description: "Start time in seconds since the epoch; -1 when unknown." },
    { name: "parent", type: "BIGINT", description: "Parent process id." },
    { name: "pgroup", type: "BIGINT", description: "Process group id." },
    { name: "threads", type: "INTEGER", description: "Number of threads." },
    { name: "nice", type: "INTEGER", description: "Nice value, -20 (favoured) to 19." },
    {
      name: "elevated_token",
      type: "INTEGER",
      linuxHidden: true,
      description: "Windows: runs with an elevated token.",
    },
    { name: "secure_process", type: "INTEGER", linuxHidden: true, description: "Windows: an isolated (IUM) process." },
    {
      name: "protection_type",
      type: "TEXT",
      linuxHidden: true,
      description: "Windows: the process's protection level.",
    },
    {
      name: "virtual_process",
      type: "INTEGER",
      linuxHidden: true,
      description: "Windows: a virtual process (System, Registry, vmmem).",
    },
    {
      name: "elapsed_time",
      type: "BIGINT",
      linuxHidden: true,
      description: "Windows: seconds since the process started.",
    },
    {
      name: "handle_count",
      type: "BIGINT",
      linuxHidden: true,
      description: "Windows: open handles of all its threads.",
    },
    {
      name: "percent_processor_time",
      type: "BIGINT",
      linuxHidden: true,
      description: "Windows: processor time of all its threads, in 100 ns units.",
    },
    {
      name: "upid",
      type: "BIGINT",
      linuxHidden: true,
      description: "macOS: a 64-bit pid never reused; -1 if unknown.",
    },
    { name: "uppid", type: "BIGINT", linuxHidden: true, description: "macOS: the parent's never-reused 64-bit pid." },
    { name: "cpu_type", type: "INTEGER", linuxHidden: true, description: "macOS: CPU type the binary was built for." },
    {
      name: "cpu_subtype",
      type: "INTEGER",
      linuxHidden: true,
      description: "macOS: CPU subtype the binary was built for.",
    },
    {
      name: "translated",
      type: "INTEGER",
      linuxHidden: true,
      description: "macOS: runs under Rosetta translation: 1 yes, 0 no, -1 error.",
    },
    { name: "cgroup_path", type: "TEXT", description: "Path of the process's control group in the cgroup hierarchy." },
  ],
  generate(ctx) {
    return processRows(ctx, ctx.host);
  },
}));

const MS_PER_TICK = Math.floor(1000 / CLOCK_TICKS);

/** Columns filled from /proc/<pid>/status. */
const STATUS_COLUMNS = ["uid", "gid", "euid", "egid", "suid", "sgid", "resident_size", "total_size"];

/** Columns filled from /proc/<pid>/stat (which also holds the name). */
const STAT_COLUMNS = ["state", "parent", "pgroup", "nice", "threads", "user_time", "system_time", "start_time"];

/** The rows of the processes the query names (all by default), reading only what its columns need. */
function* processRows(ctx: QueryContext, host: Host): Generator<Row> {
  const proc = host.path("/proc");
  const pids = pidsToScan(ctx, proc);
  const used = (c: string) => ctx.isUsed(c);
  const wantStatus = STATUS_COLUMNS.some(used);
  // The live host's procfs holds no FIFOs: its files take Deno's cheaper one-call read. A fixture
  // tree (or another root) may hold anything, and goes through the checked reader.
  const live = host.root === "";
  const read = live ? readProcText : readText;
  // Every query that asks for more than pids first reads a file that proves the process still
  // exists and skips it when the read fails. stat holds its columns and the name; on the live host,
  // when no stat column is used, status (needed anyway) or else comm (the bare name, the cheapest
  // file for the kernel to write) proves it instead. A fixture tree is always read through stat,
  // whose malformed samples the tests keep.
  const onlyPids = ctx.usedColumns !== undefined && [...ctx.usedColumns].every((c) => c === "pid");
  const wantStat = !onlyPids && (!live || STAT_COLUMNS.some(used));
  const wantComm = !onlyPids && !wantStat && !wantStatus;
  const wantName = used("name");
  const wantPath = used("path") || used("on_disk");
  const wantOnDisk = used("on_disk");
  const wantCmdline = used("cmdline");
  const wantCwd = used("cwd");
  const wantRoot = used("root");
  const wantIo = used("disk_bytes_read") || used("disk_bytes_written");
  const wantCgroup = used("cgroup_path");
  const boot = used("start_time") ? bootTime(proc) : 0;

  for (const pid of pids) {
    const base = `${proc}/${pid}/`;
    const row: Row = { pid };
    if (wantComm) {
      const comm = read(base + "comm");
      if (comm === undefined) continue; // vanished since the listing
      // comm is stat's name followed by a newline.
      if (wantName) row.name = nameFromComm(comm.endsWith("\n") ? comm.slice(0, -1) : comm);
    }
    if (wantStat) {
      const text = read(base + "stat");
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
      const text = read(base + "status");
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
        const checked = onDisk(exe, host.path(exe), base + "maps");
        row.path = checked.path;
        row.on_disk = checked.onDisk;
      } else row.path = exe;
    }
    if (wantCmdline) row.cmdline = parseCmdline(read(base + "cmdline") ?? "");
    if (wantCgroup) row.cgroup_path = parseCgroup(read(base + "cgroup") ?? "");
    if (wantCwd) row.cwd = readLink(base + "cwd") ?? "";
    if (wantRoot) row.root = readLink(base + "root") ?? "";
    row.wired_size = 0; // Linux has no unpageable-memory counter per process.
    if (wantIo) {
      // /proc/<pid>/io needs privileges over the process; without them both columns stay NULL.
      const text = read(base + "io");
      if (text !== undefined) {
        const io = parseIo(text);
        row.disk_bytes_read = io.readBytes;
        row.disk_bytes_written = io.writtenBytes;
      }
    }
    yield row;
  }
}
