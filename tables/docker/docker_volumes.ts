import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { filterQuery, list, reportedId, str, tryDockerApi } from "./_lib.ts";

export default registerTable(defineTable({
  name: "docker_volumes",
  description: "Docker volumes, with their driver and mount point.",
  columns: [
    { name: "name", type: "TEXT", index: true },
    { name: "driver", type: "TEXT" },
    { name: "mount_point", type: "TEXT" },
    { name: "type", type: "TEXT" },
  ],
  generate(ctx) {
    const { query, wanted } = filterQuery(ctx, "name", false);
    const answer = tryDockerApi("/volumes" + query);
    return list(answer, "Volumes").map((v) => ({
      name: reportedId(str(v, "Name"), wanted),
      driver: str(v, "Driver"),
      mount_point: str(v, "Mountpoint"),
      type: str(v, "Options.type"),
    }));
  },
}));
