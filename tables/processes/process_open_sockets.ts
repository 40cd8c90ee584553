// process_open_sockets — every socket of every network namespace, matched to the process and fd holding it.
import { defineTable, OP, type QueryContext, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { openSockets, PROC_ROOT, selectPids } from "./_lib.ts";

/**
 * Generates socket rows from the procfs at `root`. `pid =`/`IN` limits the scan to those
 * processes' sockets; without it (or with pid -1, osquery's "no process") every socket is listed,
 * held ones with their pid and fd, the rest with -1.
 */
export function generateOpenSockets(ctx: QueryContext, root = PROC_ROOT): Row[] {
  const wanted = ctx.integerEquals("pid");
  const constrained = ctx.hasConstraint("pid", OP.EQUALS) && !wanted.includes(-1);
  const filter = constrained ? selectPids(wanted, root) : undefined;
  return openSockets(filter, root).map((s) => ({
    pid: s.pid,
    fd: s.fd,
    socket: s.inode,
    family: s.family,
    protocol: s.protocol,
    local_address: s.localAddress,
    remote_address: s.remoteAddress,
    local_port: s.localPort,
    remote_port: s.remotePort,
    path: s.path,
    state: s.state,
    net_namespace: s.netns,
  }));
}

export default registerTable(defineTable({
  name: "process_open_sockets",
  description: "Open network and unix sockets with their addresses, state and the process and descriptor holding them.",
  columns: [
    { name: "pid", type: "INTEGER", additional: true },
    { name: "fd", type: "BIGINT" },
    { name: "socket", type: "BIGINT" },
    { name: "family", type: "INTEGER" },
    { name: "protocol", type: "INTEGER" },
    { name: "local_address", type: "TEXT" },
    { name: "remote_address", type: "TEXT" },
    { name: "local_port", type: "INTEGER" },
    { name: "remote_port", type: "INTEGER" },
    { name: "path", type: "TEXT" },
    { name: "state", type: "TEXT" },
    { name: "net_namespace", type: "TEXT" },
  ],
  generate(ctx) {
    return generateOpenSockets(ctx);
  },
}));
