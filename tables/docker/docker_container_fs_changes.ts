/**
 * `docker_container_fs_changes`: what a container changed in its filesystem compared with its image.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { at, CONTAINER_ID_COLUMN, num, perContainer } from "./_lib.ts";

export default registerTable(defineTable({
  name: "docker_container_fs_changes",
  description: "Files a Docker container changed, added or deleted relative to its image.",
  columns: [
    CONTAINER_ID_COLUMN,
    { name: "path", type: "TEXT", description: "The file or directory, as a path inside the container." },
    { name: "change_type", type: "TEXT", description: "C (changed), A (added) or D (deleted)." },
  ],
  generate(ctx) {
    return perContainer(ctx, (id) => `/containers/${id}/changes`, (id, changes) => {
      const rows: Row[] = [];
      for (const change of Array.isArray(changes) ? changes : []) {
        const kind = CHANGE_TYPES[num(change, "Kind")];
        const path = at(change, "Path");
        if (kind === undefined || typeof path !== "string") continue;
        rows.push({ id, path, change_type: kind });
      }
      return rows;
    });
  },
}));

/** The API's change kinds: 0 changed, 1 added, 2 deleted. */
const CHANGE_TYPES: Record<number, string> = { 0: "C", 1: "A", 2: "D" };
