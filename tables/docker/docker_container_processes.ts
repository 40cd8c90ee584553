import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { idConstraints, list, str, tryDockerApi } from "./_lib.ts";

/** The ps fields osquery asks the top endpoint for, in this order (21 columns). */
const TOP_FIELDS =
  "pid,state,uid,gid,euid,egid,suid,sgid,rss,vsz,etime,ppid,pgrp,nlwp,nice,user,time,pcpu,pmem,comm,cmd";

export default registerTable(defineTable({
  name: "docker_container_processes",
  description: "Processes running inside a Docker container, as the daemon's top endpoint reports them.",
  columns: [
    { name: "id", type: "TEXT", required: true, index: true, collate: "nocase" },
    { name: "pid", type: "BIGINT", index: true },
    { name: "name", type: "TEXT" },
    { name: "cmdline", type: "TEXT" },
    { name: "state", type: "TEXT" },
    { name: "uid", type: "BIGINT" },
    { name: "gid", type: "BIGINT" },
    { name: "euid", type: "BIGINT" },
    { name: "egid", type: "BIGINT" },
    { name: "suid", type: "BIGINT" },
    { name: "sgid", type: "BIGINT" },
    { name: "wired_size", type: "BIGINT" },
    { name: "resident_size", type: "BIGINT" },
    { name: "total_size", type: "BIGINT" },
    { name: "start_time", type: "BIGINT" },
    { name: "parent", type: "BIGINT" },
    { name: "pgroup", type: "BIGINT" },
    { name: "threads", type: "INTEGER" },
    { name: "nice", type: "INTEGER" },
    { name: "user", type: "TEXT" },
    { name: "time", type: "TEXT" },
    { name: "cpu", type: "DOUBLE" },
    { name: "mem", type: "DOUBLE" },
  ],
  generate(ctx) {
    const rows: Row[] = [];
    for (const id of idConstraints(ctx, "id")) {
      const top = tryDockerApi(`/containers/${id}/top?ps_args=axwwo%20${TOP_FIELDS}`);
      for (const process of list(top, "Processes")) {
        if (!Array.isArray(process) || process.length !== 21) continue;
        const f = process.map((v) => str(v));
        rows.push({
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
        });
      }
    }
    return rows;
  },
}));
