// listening_ports — sockets waiting for peers: TCP/UDP/raw/packet sockets with no remote port, named unix sockets.
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { AF_INET, AF_INET6, AF_UNIX, openSockets, PROC_ROOT } from "./_lib.ts";

/**
 * Generates listening-port rows from the procfs at `root`, selecting from every open socket as
 * osquery does: a unix socket counts when it has a path, an IP socket when its remote port is 0.
 */
export function generateListeningPorts(root = PROC_ROOT): Row[] {
  const rows: Row[] = [];
  for (const s of openSockets(undefined, root)) {
    if (s.family === AF_UNIX) {
      if (s.path === "") continue; // anonymous (socketpair) or unbound
      rows.push({
        pid: s.pid,
        port: 0,
        protocol: s.protocol,
        family: s.family,
        fd: s.fd,
        socket: 0,
        path: s.path,
        net_namespace: s.netns,
      });
      continue;
    }
    if ((s.family === AF_INET || s.family === AF_INET6) && s.remotePort !== 0) continue; // connected
    rows.push({
      pid: s.pid,
      port: s.localPort,
      protocol: s.protocol,
      family: s.family,
      address: s.localAddress,
      fd: s.fd,
      socket: s.inode,
      net_namespace: s.netns,
    });
  }
  return rows;
}

export default registerTable(defineTable({
  name: "listening_ports",
  description: "Sockets bound and waiting for peers (TCP listeners, bound UDP/raw/packet sockets, named unix " +
    "sockets), with the process holding each.",
  attributes: { cacheable: true },
  columns: [
    { name: "pid", type: "INTEGER" },
    { name: "port", type: "INTEGER" },
    { name: "protocol", type: "INTEGER" },
    { name: "family", type: "INTEGER" },
    { name: "address", type: "TEXT" },
    { name: "fd", type: "BIGINT" },
    { name: "socket", type: "BIGINT" },
    { name: "path", type: "TEXT" },
    { name: "net_namespace", type: "TEXT" },
  ],
  generate() {
    return generateListeningPorts();
  },
}));
