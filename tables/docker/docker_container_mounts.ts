import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { flag, list, listContainers, reportedId, str } from "./_lib.ts";

export default registerTable(defineTable({
  name: "docker_container_mounts",
  description: "Volumes and bind mounts of Docker containers.",
  columns: [
    { name: "id", type: "TEXT", index: true, collate: "nocase" },
    { name: "type", type: "TEXT" },
    { name: "name", type: "TEXT", index: true },
    { name: "source", type: "TEXT" },
    { name: "destination", type: "TEXT" },
    { name: "driver", type: "TEXT" },
    { name: "mode", type: "TEXT" },
    { name: "rw", type: "INTEGER" },
    { name: "propagation", type: "TEXT" },
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
