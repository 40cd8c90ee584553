/**
 * `docker_volumes`: the volumes the daemon manages.
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { filterQuery, list, reportedId, str, tryDockerApi } from "./_lib.ts";

export default registerTable(defineTable({
  name: "docker_volumes",
  description: "Docker volumes, with their driver and mount point.",
  columns: [
    { name: "name", type: "TEXT", index: true, description: "The volume's name." },
    { name: "driver", type: "TEXT", description: "The volume driver (local, ...)." },
    { name: "mount_point", type: "TEXT", description: "Where the volume's data lives on the host." },
    { name: "type", type: "TEXT", description: "The type option given when it was created (e.g. tmpfs, nfs)." },
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
