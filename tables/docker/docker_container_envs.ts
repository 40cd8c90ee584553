/**
 * `docker_container_envs`: the environment of each container, from its inspect document.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { inspectContainer, list, listContainers, reportedId, str } from "./_lib.ts";

export default registerTable(defineTable({
  name: "docker_container_envs",
  description: "Environment variables of Docker containers, one row per variable.",
  columns: [
    {
      name: "id",
      type: "TEXT",
      index: true,
      collate: "nocase",
      description: "The container's id (or the id prefix the query gave).",
    },
    { name: "key", type: "TEXT", description: "The variable's name." },
    { name: "value", type: "TEXT", description: "The variable's value." },
  ],
  generate(ctx) {
    const { containers, wanted } = listContainers(ctx);
    const rows: Row[] = [];
    for (const c of containers) {
      const id = reportedId(str(c, "Id"), wanted);
      const d = inspectContainer(id);
      if (d === undefined) continue;
      for (const entry of list(d, "Config.Env")) {
        const text = str(entry);
        const eq = text.indexOf("=");
        rows.push({ id, key: eq < 0 ? text : text.slice(0, eq), value: eq < 0 ? "" : text.slice(eq + 1) });
      }
    }
    return rows;
  },
}));
