/**
 * `docker_container_networks`: the networks each container is attached to, with its addresses there.
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { entries, listContainers, num, reportedId, str } from "./_lib.ts";

export default registerTable(defineTable({
  name: "docker_container_networks",
  description: "The networks each Docker container is attached to, with its addresses there.",
  columns: [
    {
      name: "id",
      type: "TEXT",
      index: true,
      collate: "nocase",
      description: "The container's id (or the id prefix the query gave).",
    },
    { name: "name", type: "TEXT", index: true, description: "The network's name." },
    { name: "network_id", type: "TEXT", collate: "nocase", description: "The network's id." },
    { name: "endpoint_id", type: "TEXT", collate: "nocase", description: "The id of the container's endpoint on it." },
    { name: "gateway", type: "TEXT", description: "The IPv4 gateway on that network." },
    { name: "ip_address", type: "TEXT", description: "The container's IPv4 address there." },
    { name: "ip_prefix_len", type: "INTEGER", description: "Prefix length of that IPv4 subnet." },
    { name: "ipv6_gateway", type: "TEXT", description: "The IPv6 gateway on that network." },
    { name: "ipv6_address", type: "TEXT", description: "The container's global IPv6 address there." },
    { name: "ipv6_prefix_len", type: "INTEGER", description: "Prefix length of that IPv6 subnet." },
    { name: "mac_address", type: "TEXT", collate: "nocase", description: "The container's MAC address there." },
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
