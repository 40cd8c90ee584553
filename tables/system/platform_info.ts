/**
 * `platform_info`: the firmware (BIOS/UEFI) vendor, version and date from the SMBIOS BIOS
 * Information structure (type 0), and the firmware type the kernel booted through.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import type { Host } from "../../core/host/host.ts";
import { firmwareType } from "./_lib.ts";
import { byteAt, dmiString, SMBIOS_TYPE, smbiosStructures, wordAt } from "./_smbios.ts";

export default registerTable(defineTable({
  name: "platform_info",
  description: "Firmware vendor, version, release date, revision, type (uefi/bios), address and size.",
  columns: [
    { name: "vendor", type: "TEXT", description: "The firmware's vendor." },
    { name: "version", type: "TEXT", collate: "version", description: "The firmware's version string." },
    { name: "date", type: "TEXT", description: "The firmware's release date as the vendor wrote it." },
    { name: "revision", type: "TEXT", description: "The BIOS release as major.minor." },
    { name: "extra", type: "TEXT", description: "Platform-specific extra facts (none on Linux)." },
    { name: "firmware_type", type: "TEXT", description: "How the kernel was booted: uefi or bios." },
    { name: "address", type: "TEXT", description: "The segment the firmware image is mapped at, hex." },
    { name: "size", type: "TEXT", description: "The firmware ROM's size in bytes." },
    { name: "volume_size", type: "INTEGER", description: "The firmware volume's size (0: not known on Linux)." },
  ],
  generate(ctx) {
    return platformInfoRows(ctx.host);
  },
}));

/** The rows of `host`: one per BIOS Information structure. */
function platformInfoRows(host: Host): Row[] {
  const rows: Row[] = [];
  for (const s of smbiosStructures(host)) {
    if (s.type !== SMBIOS_TYPE.BIOS || s.bytes.length < 0x15) continue;
    rows.push({
      vendor: dmiString(s, byteAt(s, 0x04)),
      version: dmiString(s, byteAt(s, 0x05)),
      date: dmiString(s, byteAt(s, 0x08)),
      revision: `${byteAt(s, 0x14)}.${byteAt(s, 0x15)}`,
      extra: "",
      firmware_type: firmwareType(host),
      // Starting address segment, and the ROM size in 64 KiB units minus one.
      address: `0x${wordAt(s, 0x06).toString(16).padStart(4, "0")}`,
      size: String(((byteAt(s, 0x09) + 1) << 6) * 1024),
      volume_size: 0,
    });
  }
  return rows;
}
