/**
 * `lxd_instance_devices`: the devices of a named LXD instance, with profiles applied.
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { isObject, lxdMetadata, member, segment, text } from "./_lib.ts";

export default registerTable(defineTable({
  name: "lxd_instance_devices",
  description: "Devices of the named LXD instance (profiles expanded), one row per device setting.",
  columns: [
    { name: "name", type: "TEXT", required: true, index: true, description: "The instance asked for." },
    { name: "device", type: "TEXT", description: "The device's name." },
    { name: "device_type", type: "TEXT", description: "The kind of device (disk, nic, ...)." },
    { name: "key", type: "TEXT", description: "A setting of the device." },
    { name: "value", type: "TEXT", description: "The setting's value." },
  ],
  *generate(ctx) {
    for (const name of ctx.equals("name")) {
      const devices = member(lxdMetadata(`/1.0/containers/${segment(name)}`), "expanded_devices");
      if (!isObject(devices)) continue;
      for (const [device, settings] of Object.entries(devices)) {
        if (!isObject(settings)) continue;
        const deviceType = text(settings, "type");
        for (const [key, value] of Object.entries(settings)) {
          if (key === "type") continue;
          yield {
            name,
            device,
            device_type: deviceType,
            key,
            value: value === null || typeof value === "object" ? "" : String(value),
          };
        }
      }
    }
  },
}));
