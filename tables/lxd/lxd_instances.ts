/**
 * `lxd_instances`: the containers and VMs of the local LXD server, with image and state details.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { bit, integer, isObject, listing, lxdMetadata, member, requiredText, segment, text } from "./_lib.ts";

export default registerTable(defineTable({
  name: "lxd_instances",
  description: "LXD instances (containers and VMs) with their state, image and process count.",
  columns: [
    { name: "name", type: "TEXT", index: true, description: "The instance's name." },
    { name: "status", type: "TEXT", description: "The instance's state (Running, Stopped, ...)." },
    {
      name: "stateful",
      type: "INTEGER",
      description: "1 when the instance can be stopped and restored with its running state, else 0.",
    },
    { name: "ephemeral", type: "INTEGER", description: "1 when the instance is deleted once it stops, else 0." },
    { name: "created_at", type: "TEXT", description: "When the instance was created (ISO 8601)." },
    { name: "base_image", type: "TEXT", description: "Fingerprint of the image the instance was created from." },
    { name: "architecture", type: "TEXT", description: "The architecture its image declares." },
    { name: "os", type: "TEXT", description: "The OS its image declares." },
    { name: "description", type: "TEXT", description: "The description its image declares." },
    { name: "pid", type: "INTEGER", description: "Host process id of the instance's init (0 when stopped)." },
    { name: "processes", type: "INTEGER", description: "How many processes run inside the instance." },
  ],
  generate(ctx) {
    // The /containers endpoints, as osquery uses, are served by every LXD release (newer ones alias /instances).
    const names = ctx.equals("name");
    const urls = names.length > 0 ? names.map((n) => `/1.0/containers/${segment(n)}`) : listing("/1.0/containers");
    return urls.map(instanceRow).filter((r): r is Row => r !== undefined);
  },
}));

/** The instance at `url` joined with its image metadata and state; undefined without a name. */
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
