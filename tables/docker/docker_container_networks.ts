import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { entries, listContainers, num, reportedId, str } from "./_lib.ts";

export default registerTable(defineTable({
  name: "docker_container_networks",
  description: "The networks each Docker container is attached to, with its addresses there.",
  columns: [
    { name: "id", type: "TEXT", index: true, collate: "nocase" },
    { name: "name", type: "TEXT", index: true },
    { name: "network_id", type: "TEXT", collate: "nocase" },
    { name: "endpoint_id", type: "TEXT", collate: "nocase" },
    { name: "gateway", type: "TEXT" },
    { name: "ip_address", type: "TEXT" },
    { name: "ip_prefix_len", type: "INTEGER" },
    { name: "ipv6_gateway", type: "TEXT" },
    { name: "ipv6_address", type: "TEXT" },
    { name: "ipv6_prefix_len", type: "INTEGER" },
    { name: "mac_address", type: "TEXT", collate: "nocase" },
  ],
  generate(ctx) {
    const { containers, wanted } = listContainers(ctx);
    return containers.flatMap((c) =>
      entries(c, "NetworkSettings.Networks").map(([name, n]) => ({
        id: reportedId(str(c, "Id"), wanted),
        name,
        network_id: str(n, "NetworkID"),
        endpoint_id: str(n, "EndpointID"),
        gateway: str(n, "Gateway"),
        ip_address: str(n, "IPAddress"),
        ip_prefix_len: num(n, "IPPrefixLen"),
        ipv6_gateway: str(n, "IPv6Gateway"),
        ipv6_address: str(n, "GlobalIPv6Address"),
        ipv6_prefix_len: num(n, "GlobalIPv6PrefixLen"),
        mac_address: str(n, "MacAddress"),
      }))
    );
  },
}));
