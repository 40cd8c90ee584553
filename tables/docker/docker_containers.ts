/**
 * `docker_containers`: every container, running or not, from the daemon's listing and (for the
 * columns that need it) each container's inspect document; namespace inodes from /proc under ctx.host.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { NAMESPACE_COLUMNS, namespaceInode, NAMESPACES } from "../../core/host/proc.ts";
import { at, flag, inspectContainer, type Json, list, listContainers, num, reportedId, str, stripSha } from "./_lib.ts";

export default registerTable(defineTable({
  name: "docker_containers",
  description: "Docker containers, running or not, with their image, state, command, security settings and namespaces.",
  columns: [
    {
      name: "id",
      type: "TEXT",
      index: true,
      collate: "nocase",
      description: "The container's id (or the id prefix the query gave).",
    },
    { name: "name", type: "TEXT", index: true, description: "The container's first name (with its leading /)." },
    { name: "image", type: "TEXT", description: "The image name it was created from." },
    { name: "image_id", type: "TEXT", collate: "nocase", description: "The id of that image, without sha256:." },
    { name: "command", type: "TEXT", description: "The command it runs, with arguments." },
    { name: "created", type: "BIGINT", description: "Unix time (seconds) it was created." },
    { name: "state", type: "TEXT", description: "created, restarting, running, removing, paused, exited or dead." },
    { name: "status", type: "TEXT", description: "The daemon's human-readable status (e.g. Up 2 hours)." },
    { name: "pid", type: "BIGINT", description: "Host process id of its main process (0 when stopped)." },
    { name: "path", type: "TEXT", description: "The program its main process runs." },
    { name: "config_entrypoint", type: "TEXT", description: 'Its entrypoint, parts joined with ", ".' },
    { name: "started_at", type: "TEXT", description: "When it last started (RFC 3339)." },
    { name: "finished_at", type: "TEXT", description: "When it last stopped (RFC 3339; empty while running)." },
    { name: "privileged", type: "INTEGER", description: "1 when it runs privileged, else 0." },
    { name: "security_options", type: "TEXT", description: 'Its security options, joined with ", ".' },
    { name: "env_variables", type: "TEXT", description: 'Its environment as KEY=value, joined with ", ".' },
    { name: "readonly_rootfs", type: "INTEGER", description: "1 when its root filesystem is read-only, else 0." },
    ...NAMESPACE_COLUMNS,
  ],
  generate(ctx) {
    const { containers, wanted } = listContainers(ctx);
    const want = {
      details: ctx.isAnyUsed(...INSPECT_COLUMNS),
      namespaces: ctx.isAnyUsed(...NAMESPACES.map((n) => `${n}_namespace`)),
      procRoot: ctx.host.path("/proc"),
    };
    return containers.map((c) => containerRow(c, wanted, want));
  },
}));

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

/** What a query needs beyond the listing: inspect details, namespace inodes (read under `procRoot`). */
interface Wanted {
  details: boolean;
  namespaces: boolean;
  procRoot: string;
}

/**
 * A container's row: the listing's columns, then (when asked for) its inspect document's and its
 * main process's namespace inodes.
 */
function containerRow(c: Json, wanted: Set<string>, want: Wanted): Row {
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
  if (want.details || want.namespaces) {
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
  if (want.namespaces && typeof row.pid === "number" && row.pid > 0) {
    Object.assign(row, namespaceInodes(row.pid, want.procRoot));
  }
  return row;
}

/** The namespace inode numbers of a process (from <procRoot>/<pid>/ns links like `net:[4026531992]`). */
function namespaceInodes(pid: number, procRoot: string): Row {
  const row: Row = {};
  for (const kind of NAMESPACES) {
    // An ended process or a hidden namespace leaves the column empty.
    const inode = namespaceInode(pid, kind, procRoot);
    if (inode !== undefined) row[`${kind}_namespace`] = inode;
  }
  return row;
}
