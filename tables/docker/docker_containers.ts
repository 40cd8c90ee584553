import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { NAMESPACE_COLUMNS, namespaceInode, NAMESPACES } from "../../core/host/proc.ts";
import { at, flag, inspectContainer, list, listContainers, num, reportedId, str, stripSha } from "./_lib.ts";

/** Columns that need the container's inspect document. */
const INSPECT_COLUMNS = [
  "pid",
  "started_at",
  "finished_at",
  "privileged",
  "readonly_rootfs",
  "path",
  "config_entrypoint",
  "security_options",
  "env_variables",
];

/** The namespace inode numbers of a process (from /proc/<pid>/ns links like `net:[4026531992]`). */
function namespaceInodes(pid: number): Row {
  const row: Row = {};
  for (const kind of NAMESPACES) {
    // An ended process or a hidden namespace leaves the column empty.
    const inode = namespaceInode(pid, kind);
    if (inode !== undefined) row[`${kind}_namespace`] = inode;
  }
  return row;
}

export default registerTable(defineTable({
  name: "docker_containers",
  description: "Docker containers, running or not, with their image, state, command, security settings and namespaces.",
  columns: [
    { name: "id", type: "TEXT", index: true, collate: "nocase" },
    { name: "name", type: "TEXT", index: true },
    { name: "image", type: "TEXT" },
    { name: "image_id", type: "TEXT", collate: "nocase" },
    { name: "command", type: "TEXT" },
    { name: "created", type: "BIGINT" },
    { name: "state", type: "TEXT" },
    { name: "status", type: "TEXT" },
    { name: "pid", type: "BIGINT" },
    { name: "path", type: "TEXT" },
    { name: "config_entrypoint", type: "TEXT" },
    { name: "started_at", type: "TEXT" },
    { name: "finished_at", type: "TEXT" },
    { name: "privileged", type: "INTEGER" },
    { name: "security_options", type: "TEXT" },
    { name: "env_variables", type: "TEXT" },
    { name: "readonly_rootfs", type: "INTEGER" },
    ...NAMESPACE_COLUMNS,
  ],
  generate(ctx) {
    const { containers, wanted } = listContainers(ctx);
    const details = ctx.isAnyUsed(...INSPECT_COLUMNS);
    const namespaces = ctx.isAnyUsed(...NAMESPACES.map((n) => `${n}_namespace`));
    return containers.map((c) => {
      const row: Row = {
        id: reportedId(str(c, "Id"), wanted),
        name: str(list(c, "Names")[0]),
        image: str(c, "Image"),
        image_id: stripSha(str(c, "ImageID")),
        command: str(c, "Command"),
        created: num(c, "Created"),
        state: str(c, "State"),
        status: str(c, "Status"),
      };
      if (details || namespaces) {
        const d = inspectContainer(String(row.id));
        if (d !== undefined) {
          row.pid = at(d, "State.Pid") === undefined ? -1 : num(d, "State.Pid");
          row.started_at = str(d, "State.StartedAt");
          row.finished_at = row.state !== "running" ? str(d, "State.FinishedAt") : "";
          row.privileged = flag(d, "HostConfig.Privileged");
          row.readonly_rootfs = flag(d, "HostConfig.ReadonlyRootfs");
          row.path = str(d, "Path");
          row.config_entrypoint = list(d, "Config.Entrypoint").map((e) => str(e)).join(", ");
          row.security_options = list(d, "HostConfig.SecurityOpt").map((e) => str(e)).join(", ");
          row.env_variables = list(d, "Config.Env").map((e) => str(e)).join(", ");
        }
      }
      if (namespaces && typeof row.pid === "number" && row.pid > 0) {
        Object.assign(row, namespaceInodes(row.pid));
      }
      return row;
    });
  },
}));
