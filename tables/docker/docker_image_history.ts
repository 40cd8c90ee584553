/**
 * `docker_image_history`: the build steps of each image.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { idConstraints, imageIds, list, num, str, tryDockerApi } from "./_lib.ts";

export default registerTable(defineTable({
  name: "docker_image_history",
  description: "How each Docker image was built: one row per history step.",
  columns: [
    {
      name: "id",
      type: "TEXT",
      index: true,
      collate: "nocase",
      description: "The image's id without the sha256: prefix (or the prefix the query gave).",
    },
    { name: "created", type: "BIGINT", description: "Unix time (seconds) of the build step." },
    { name: "size", type: "BIGINT", description: "Bytes the step added." },
    { name: "created_by", type: "TEXT", description: "The instruction that made the step." },
    { name: "tags", type: "TEXT", description: "Tags of the image made at that step, comma-separated." },
    { name: "comment", type: "TEXT", description: "The step's comment." },
  ],
  generate(ctx) {
    const ids = ctx.hasConstraint("id", 2) ? idConstraints(ctx, "id") : imageIds();
    const rows: Row[] = [];
    for (const id of ids) {
      const history = tryDockerApi(`/images/${id}/history`);
      for (const step of Array.isArray(history) ? history : []) {
        rows.push({
          id,
          created: num(step, "Created"),
          size: num(step, "Size"),
          created_by: str(step, "CreatedBy"),
          tags: list(step, "Tags").map((t) => str(t)).join(","),
          comment: str(step, "Comment"),
        });
      }
    }
    return rows;
  },
}));
