/**
 * `block_devices`: disks, partitions, loop, RAM and device-mapper devices, from sysfs, with the
 * filesystem UUID, type and label libblkid finds on each (udev's record of them when the device
 * node cannot be opened).
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { type BlockDevice, enumerateBlockDevices } from "./_block.ts";

export default registerTable(defineTable({
  name: "block_devices",
  description: "Block devices: disks, partitions, loop and mapped devices, with size and filesystem identity.",
  columns: [
    { name: "name", type: "TEXT", index: true, description: "The device node, e.g. /dev/sda1." },
    { name: "parent", type: "TEXT", description: "The device this one sits on (a partition's disk), or empty." },
    { name: "vendor", type: "TEXT", description: "The hardware vendor (a partition reports its disk's)." },
    { name: "model", type: "TEXT", description: "The hardware model (a partition reports its disk's)." },
    { name: "serial", type: "TEXT", description: "The disk's serial number or WWID." },
    { name: "size", type: "BIGINT", description: "Size in 512-byte sectors." },
    { name: "block_size", type: "INTEGER", description: "Logical block size in bytes." },
    { name: "uuid", type: "TEXT", collate: "nocase", description: "The UUID of the filesystem or container on it." },
    { name: "type", type: "TEXT", description: "What the device holds: ext4, swap, crypto_LUKS, ..." },
    { name: "label", type: "TEXT", description: "The filesystem label." },
  ],
  generate(ctx) {
    // Probing opens each device node: only when the query reads what the probe finds.
    const probe = ctx.isAnyUsed("uuid", "type", "label");
    return enumerateBlockDevices(ctx.host, ctx.equals("name"), false, probe).map(blockDeviceRow);
  },
}));

/** The table row for one device. */
function blockDeviceRow(d: BlockDevice): Row {
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
