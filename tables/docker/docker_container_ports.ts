import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { list, listContainers, num, reportedId, str } from "./_lib.ts";

export default registerTable(defineTable({
  name: "docker_container_ports",
  description: "Ports Docker containers expose, and where they are published on the host.",
  columns: [
    { name: "id", type: "TEXT", additional: true, collate: "nocase" },
    { name: "type", type: "TEXT" },
    { name: "port", type: "INTEGER" },
    { name: "host_ip", type: "TEXT" },
    { name: "host_port", type: "INTEGER" },
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
