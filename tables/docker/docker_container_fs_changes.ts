import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { at, idConstraints, num, tryDockerApi } from "./_lib.ts";

/** The API's change kinds: 0 changed, 1 added, 2 deleted. */
const CHANGE_TYPES: Record<number, string> = { 0: "C", 1: "A", 2: "D" };

export default registerTable(defineTable({
  name: "docker_container_fs_changes",
  description: "Files a Docker container changed, added or deleted relative to its image.",
  columns: [
    { name: "id", type: "TEXT", required: true, index: true, collate: "nocase" },
    { name: "path", type: "TEXT" },
    { name: "change_type", type: "TEXT" },
  ],
  generate(ctx) {
    const rows: Row[] = [];
    for (const id of idConstraints(ctx, "id")) {
      const changes = tryDockerApi(`/containers/${id}/changes`);
      for (const change of Array.isArray(changes) ? changes : []) {
        const kind = CHANGE_TYPES[num(change, "Kind")];
        const path = at(change, "Path");
        if (kind === undefined || typeof path !== "string") continue;
        rows.push({ id, path, change_type: kind });
      }
    }
    return rows;
  },
}));
