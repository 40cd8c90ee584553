/**
 * `process_open_sockets`: every socket of every network namespace a process is in, matched to
 * the process and descriptor holding it. `pid =`/`IN` limits the scan to those processes'
 * sockets; without it (or with pid -1, osquery's "no process") every socket is listed, held ones
 * with their pid and fd, the rest with -1.
 *
 * @module
 */
import { defineTable, OP, type QueryContext, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { openSockets } from "./_open_sockets.ts";
import { selectPids } from "./_pids.ts";

export default registerTable(defineTable({
  name: "process_open_sockets",
  description: "Open network and unix sockets with their addresses, state and the process and descriptor holding them.",
  columns: [
    { name: "pid", type: "INTEGER", additional: true, description: "Process holding the socket; -1 when none does." },
    { name: "fd", type: "BIGINT", description: "The holder's descriptor number for the socket; -1 when none." },
    { name: "socket", type: "BIGINT", description: "Socket inode number." },
    { name: "family", type: "INTEGER", description: "Address family (2 IPv4, 10 IPv6, 1 unix, 17 packet)." },
    { name: "protocol", type: "INTEGER", description: "IP protocol number (6 TCP, 17 UDP), or the socket type." },
    { name: "local_address", type: "TEXT", description: "Local address of the socket." },
    { name: "remote_address", type: "TEXT", description: "Peer address of the socket." },
    { name: "local_port", type: "INTEGER", description: "Local port." },
    { name: "remote_port", type: "INTEGER", description: "Peer port (0 when not connected)." },
    { name: "path", type: "TEXT", description: "Path of a unix socket." },
    { name: "state", type: "TEXT", description: "TCP state (LISTEN, ESTABLISHED, ...); NONE for packet sockets." },
    { name: "net_namespace", type: "TEXT", description: "Inode of the network namespace the socket is in." },
  ],
  generate(ctx) {
    return socketRows(ctx, ctx.host.path("/proc"));
  },
}));

/** The sockets the query asks for, as rows. */
function socketRows(ctx: QueryContext, proc: string): Row[] {
  const wanted = ctx.integerEquals("pid");
  const constrained = ctx.hasConstraint("pid", OP.EQUALS) && !wanted.includes(-1);
  const filter = constrained ? selectPids(wanted, proc) : undefined;
  return openSockets(filter, proc).map((s) => ({
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
