/**
 * `docker_networks`: the networks the daemon manages.
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { filterQuery, flag, list, reportedId, str, tryDockerApi, unixTime } from "./_lib.ts";

export default registerTable(defineTable({
  name: "docker_networks",
  description: "Docker networks, with their driver and first IPAM subnet.",
  columns: [
    {
      name: "id",
      type: "TEXT",
      index: true,
      collate: "nocase",
      description: "The network's id (or the id prefix the query gave).",
    },
    { name: "name", type: "TEXT", description: "The network's name." },
    { name: "driver", type: "TEXT", description: "The network driver (bridge, host, overlay, ...)." },
    { name: "created", type: "BIGINT", description: "Unix time (seconds) the network was created." },
    { name: "enable_ipv6", type: "INTEGER", description: "1 when IPv6 is enabled on it, else 0." },
    { name: "subnet", type: "TEXT", description: "Its first IPAM subnet." },
    { name: "gateway", type: "TEXT", description: "Its first IPAM gateway." },
  ],
  generate(ctx) {
    const { query, wanted } = filterQuery(ctx, "id", false);
    const networks = tryDockerApi("/networks" + query);
    return (Array.isArray(networks) ? networks : []).map((n) => {
      const ipam = list(n, "IPAM.Config")[0];
      return {
        id: reportedId(str(n, "Id"), wanted),
        name: str(n, "Name"),
        driver: str(n, "Driver"),
        created: unixTime(str(n, "Created")),
        enable_ipv6: flag(n, "EnableIPv6"),
        subnet: ipam === undefined ? undefined : str(ipam, "Subnet"),
        gateway: ipam === undefined ? undefined : str(ipam, "Gateway"),
      };
    });
  },
}));
