/**
 * `listening_ports`: sockets waiting for peers, chosen from every open socket as osquery does: a
 * unix socket when it has a path, an IP or packet socket when it has no remote port (TCP
 * listeners, bound UDP/raw sockets).
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { openSockets } from "./_open_sockets.ts";
import { AF_INET, AF_INET6, AF_UNIX } from "./_sockets.ts";

export default registerTable(defineTable({
  name: "listening_ports",
  description: "Sockets bound and waiting for peers (TCP listeners, bound UDP/raw/packet sockets, named unix " +
    "sockets), with the process holding each.",
  attributes: { cacheable: true },
  columns: [
    { name: "pid", type: "INTEGER", description: "Process holding the socket; -1 when none does." },
    { name: "port", type: "INTEGER", description: "Local port the socket is bound to (0 for unix sockets)." },
    { name: "protocol", type: "INTEGER", description: "IP protocol number (6 TCP, 17 UDP), or the socket type." },
    { name: "family", type: "INTEGER", description: "Address family (2 IPv4, 10 IPv6, 1 unix, 17 packet)." },
    { name: "address", type: "TEXT", description: "Local address bound to." },
    { name: "fd", type: "BIGINT", description: "The holder's descriptor number for the socket." },
    { name: "socket", type: "BIGINT", description: "Socket inode number." },
    { name: "path", type: "TEXT", description: "Path a unix socket is bound to." },
    { name: "net_namespace", type: "TEXT", description: "Inode of the network namespace the socket is in." },
  ],
  generate(ctx) {
    return listeningRows(ctx.host.path("/proc"));
  },
}));

/** The listening sockets among every open socket under the procfs at `proc`. */
function listeningRows(proc: string): Row[] {
  const rows: Row[] = [];
  for (const s of openSockets(undefined, proc)) {
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
