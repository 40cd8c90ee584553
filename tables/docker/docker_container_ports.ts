/**
 * `docker_container_ports`: the ports each container exposes and where they are published.
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { list, listContainers, num, reportedId, str } from "./_lib.ts";

export default registerTable(defineTable({
  name: "docker_container_ports",
  description: "Ports Docker containers expose, and where they are published on the host.",
  columns: [
    {
      name: "id",
      type: "TEXT",
      additional: true,
      collate: "nocase",
      description: "The container's id (or the id prefix the query gave).",
    },
    { name: "type", type: "TEXT", description: "The protocol (tcp, udp, sctp)." },
    { name: "port", type: "INTEGER", description: "The port inside the container." },
    { name: "host_ip", type: "TEXT", description: "The host address the port is published on." },
    { name: "host_port", type: "INTEGER", description: "The host port it is published on (0 when not published)." },
  ],
  generate(ctx) {
    const { containers, wanted } = listContainers(ctx);
    return containers.flatMap((c) =>
      list(c, "Ports").map((p) => ({
        id: reportedId(str(c, "Id"), wanted),
        type: str(p, "Type"),
        port: num(p, "PrivatePort"),
        host_ip: str(p, "IP"),
        host_port: num(p, "PublicPort"),
      }))
    );
  },
}));
