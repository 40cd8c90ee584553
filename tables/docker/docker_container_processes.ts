/**
 * `docker_container_processes`: the processes of a container, as the daemon's top endpoint (ps) lists them.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { CONTAINER_ID_COLUMN, list, perContainer, str } from "./_lib.ts";

export default registerTable(defineTable({
  name: "docker_container_processes",
  description: "Processes running inside a Docker container, as the daemon's top endpoint reports them.",
  columns: [
    CONTAINER_ID_COLUMN,
    { name: "pid", type: "BIGINT", index: true, description: "Process id, as the host sees it." },
    { name: "name", type: "TEXT", description: "The command name (ps comm)." },
    { name: "cmdline", type: "TEXT", description: "The full command line." },
    { name: "state", type: "TEXT", description: "The process state letter(s) as ps shows them." },
    { name: "uid", type: "BIGINT", description: "User id." },
    { name: "gid", type: "BIGINT", description: "Group id." },
    { name: "euid", type: "BIGINT", description: "Effective user id." },
    { name: "egid", type: "BIGINT", description: "Effective group id." },
    { name: "suid", type: "BIGINT", description: "Saved user id." },
    { name: "sgid", type: "BIGINT", description: "Saved group id." },
    {
      name: "wired_size",
      type: "BIGINT",
      description: "Bytes of memory that cannot be paged out (not reported on Linux).",
    },
    { name: "resident_size", type: "BIGINT", description: "Resident memory in bytes." },
    { name: "total_size", type: "BIGINT", description: "Virtual memory size in bytes." },
    { name: "start_time", type: "BIGINT", description: "Elapsed time since the process started, as ps gives it." },
    { name: "parent", type: "BIGINT", description: "Process id of the parent." },
    { name: "pgroup", type: "BIGINT", description: "Process group id." },
    { name: "threads", type: "INTEGER", description: "Number of threads." },
    { name: "nice", type: "INTEGER", description: "The nice value (-20 to 19)." },
    { name: "user", type: "TEXT", description: "The user name the process runs as." },
    { name: "time", type: "TEXT", description: "CPU time used, as [DD-]HH:MM:SS." },
    { name: "cpu", type: "DOUBLE", description: "CPU use in percent." },
    { name: "mem", type: "DOUBLE", description: "Memory use in percent." },
  ],
  generate(ctx) {
    return perContainer(
      ctx,
      (id) => `/containers/${id}/top?ps_args=axwwo%20${TOP_FIELDS}`,
      (id, top) =>
        list(top, "Processes").flatMap((process) =>
          Array.isArray(process) && process.length === 21 ? [processRow(id, process.map((v) => str(v)))] : []
        ),
    );
  },
}));

/** The ps fields osquery asks the top endpoint for, in this order (21 columns). */
const TOP_FIELDS =
  "pid,state,uid,gid,euid,egid,suid,sgid,rss,vsz,etime,ppid,pgrp,nlwp,nice,user,time,pcpu,pmem,comm,cmd";

/** The row of one `ps` line `f` (the fields of TOP_FIELDS, in order) of container `id`. */
function processRow(id: string, f: string[]): Row {
  return {
    id,
    pid: f[0],
    state: f[1],
    uid: f[2],
    gid: f[3],
    euid: f[4],
    egid: f[5],
    suid: f[6],
    sgid: f[7],
    // ps reports kilobytes; osquery appends three zeros.
    resident_size: f[8] + "000",
    total_size: f[9] + "000",
    start_time: f[10],
    parent: f[11],
    pgroup: f[12],
    threads: f[13],
    nice: f[14],
    user: f[15],
    time: f[16],
    cpu: f[17],
    mem: f[18],
    name: f[19],
    cmdline: f[20],
  };
}
