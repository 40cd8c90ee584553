import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { bit, integer, isObject, listing, lxdMetadata, member, requiredText, segment, text } from "./_lib.ts";

function instanceRow(url: string): Row | undefined {
  const instance = lxdMetadata(url);
  const name = requiredText(instance, "name");
  if (!isObject(instance) || name === undefined) return undefined;
  const row: Row = {
    name,
    status: text(instance, "status"),
    stateful: bit(instance, "stateful"),
    ephemeral: bit(instance, "ephemeral"),
    created_at: text(instance, "created_at"),
    base_image: text(member(instance, "config"), "volatile.base_image"),
  };
  // The image's own properties describe the OS; state gives the init pid and process count.
  const properties = member(lxdMetadata(url + "/metadata"), "properties");
  if (isObject(properties)) {
    row.description = text(properties, "description");
    row.os = text(properties, "os");
    row.architecture = text(properties, "architecture");
  }
  const state = lxdMetadata(url + "/state");
  if (isObject(state)) {
    row.pid = integer(state, "pid");
    row.processes = integer(state, "processes");
  }
  return row;
}

export default registerTable(defineTable({
  name: "lxd_instances",
  description: "LXD instances (containers and VMs) with their state, image and process count.",
  columns: [
    { name: "name", type: "TEXT", index: true },
    { name: "status", type: "TEXT" },
    { name: "stateful", type: "INTEGER" },
    { name: "ephemeral", type: "INTEGER" },
    { name: "created_at", type: "TEXT" },
    { name: "base_image", type: "TEXT" },
    { name: "architecture", type: "TEXT" },
    { name: "os", type: "TEXT" },
    { name: "description", type: "TEXT" },
    { name: "pid", type: "INTEGER" },
    { name: "processes", type: "INTEGER" },
  ],
  generate(ctx) {
    // The /containers endpoints, as osquery uses, are served by every LXD release (newer ones alias /instances).
    const names = ctx.equals("name");
    const urls = names.length > 0 ? names.map((n) => `/1.0/containers/${segment(n)}`) : listing("/1.0/containers");
    return urls.map(instanceRow).filter((r): r is Row => r !== undefined);
  },
}));
