/**
 * `block_devices`: disks, partitions, loop, RAM and device-mapper devices, from sysfs, with the
 * filesystem UUID, type and label libblkid finds on each.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { type BlockDevice, enumerateBlockDevices } from "./_block.ts";
import { liveProbe } from "./_blkid.ts";

/** The table row for one device. */
export function blockDeviceRow(d: BlockDevice): Row {
  return {
    name: d.name,
    parent: d.parent,
    vendor: d.vendor,
    model: d.model,
    serial: d.serial,
    size: d.size,
    block_size: d.blockSize,
    uuid: d.uuid,
    type: d.type,
    label: d.label,
  };
}

export default registerTable(defineTable({
  name: "block_devices",
  description: "Block devices: disks, partitions, loop and mapped devices, with size and filesystem identity.",
  columns: [
    { name: "name", type: "TEXT", index: true, description: "Device node, e.g. /dev/sda1" },
    { name: "parent", type: "TEXT" },
    { name: "vendor", type: "TEXT" },
    { name: "model", type: "TEXT" },
    { name: "serial", type: "TEXT" },
    { name: "size", type: "BIGINT", description: "Size in 512-byte sectors" },
    { name: "block_size", type: "INTEGER" },
    { name: "uuid", type: "TEXT", collate: "nocase" },
    { name: "type", type: "TEXT", description: "Filesystem or content type (ext4, swap, crypto_LUKS, ...)" },
    { name: "label", type: "TEXT" },
  ],
  generate(ctx) {
    // Probing opens each device node: only when the query reads what the probe finds.
    const probe = ctx.isAnyUsed("uuid", "type", "label") ? liveProbe : undefined;
    return enumerateBlockDevices("", ctx.equals("name"), false, probe).map(blockDeviceRow);
  },
}));
