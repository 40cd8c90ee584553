/**
 * `lxd_instance_config`: the configuration keys of a named LXD instance.
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { isObject, lxdMetadata, member, segment } from "./_lib.ts";

export default registerTable(defineTable({
  name: "lxd_instance_config",
  description: "Configuration keys of the named LXD instance, one row per key.",
  columns: [
    { name: "name", type: "TEXT", required: true, index: true, description: "The instance asked for." },
    { name: "key", type: "TEXT", description: "A configuration key set on the instance." },
    { name: "value", type: "TEXT", description: "The key's value." },
  ],
  *generate(ctx) {
    for (const name of ctx.equals("name")) {
      const config = member(lxdMetadata(`/1.0/containers/${segment(name)}`), "config");
      if (!isObject(config)) continue;
      for (const [key, value] of Object.entries(config)) {
        yield { name, key, value: value === null || typeof value === "object" ? "" : String(value) };
      }
    }
  },
}));
