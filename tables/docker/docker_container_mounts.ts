/**
 * `docker_container_mounts`: the volumes and bind mounts of each container.
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { flag, list, listContainers, reportedId, str } from "./_lib.ts";

export default registerTable(defineTable({
  name: "docker_container_mounts",
  description: "Volumes and bind mounts of Docker containers.",
  columns: [
    {
      name: "id",
      type: "TEXT",
      index: true,
      collate: "nocase",
      description: "The container's id (or the id prefix the query gave).",
    },
    { name: "type", type: "TEXT", description: "The kind of mount (bind, volume, tmpfs)." },
    { name: "name", type: "TEXT", index: true, description: "The volume's name, for volume mounts." },
    { name: "source", type: "TEXT", description: "Where the mount comes from on the host." },
    { name: "destination", type: "TEXT", description: "Where it is mounted inside the container." },
    { name: "driver", type: "TEXT", description: "The volume driver providing it." },
    { name: "mode", type: "TEXT", description: "The mount options as given (e.g. ro, z)." },
    { name: "rw", type: "INTEGER", description: "1 when mounted read-write, else 0." },
    { name: "propagation", type: "TEXT", description: "The bind propagation mode (rprivate, shared, ...)." },
  ],
  generate(ctx) {
    const { containers, wanted } = listContainers(ctx);
    return containers.flatMap((c) =>
      list(c, "Mounts").map((m) => ({
        id: reportedId(str(c, "Id"), wanted),
        type: str(m, "Type"),
        name: str(m, "Name"),
        source: str(m, "Source"),
        destination: str(m, "Destination"),
        driver: str(m, "Driver"),
        mode: str(m, "Mode"),
        rw: flag(m, "RW"),
        propagation: str(m, "Propagation"),
      }))
    );
  },
}));
