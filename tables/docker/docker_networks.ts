import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { filterQuery, flag, list, reportedId, str, tryDockerApi, unixTime } from "./_lib.ts";

export default registerTable(defineTable({
  name: "docker_networks",
  description: "Docker networks, with their driver and first IPAM subnet.",
  columns: [
    { name: "id", type: "TEXT", index: true, collate: "nocase" },
    { name: "name", type: "TEXT" },
    { name: "driver", type: "TEXT" },
    { name: "created", type: "BIGINT" },
    { name: "enable_ipv6", type: "INTEGER" },
    { name: "subnet", type: "TEXT" },
    { name: "gateway", type: "TEXT" },
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
