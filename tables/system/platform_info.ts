/**
 * `platform_info`: the firmware (BIOS/UEFI) vendor, version and date from SMBIOS, and the
 * firmware type.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { isDir } from "./_lib.ts";
import { byteAt, dmiString, SMBIOS_TYPE, smbiosStructures, wordAt } from "./_smbios.ts";

/** "uefi" when the kernel booted through EFI (it exposes /sys/firmware/efi), else "bios". */
export function firmwareType(root = ""): string {
  return isDir(`${root}/sys/firmware/efi`) ? "uefi" : "bios";
}

/** The `platform_info` rows (one per BIOS Information structure) under `root`. */
export function platformInfoRows(root = ""): Row[] {
  const rows: Row[] = [];
  for (const s of smbiosStructures(root)) {
    if (s.type !== SMBIOS_TYPE.BIOS || s.bytes.length < 0x15) continue;
    rows.push({
      vendor: dmiString(s, byteAt(s, 0x04)),
      version: dmiString(s, byteAt(s, 0x05)),
      date: dmiString(s, byteAt(s, 0x08)),
      revision: `${byteAt(s, 0x14)}.${byteAt(s, 0x15)}`,
      extra: "",
      firmware_type: firmwareType(root),
      // Starting address segment, and the ROM size in 64 KiB units minus one.
      address: `0x${wordAt(s, 0x06).toString(16).padStart(4, "0")}`,
      size: String(((byteAt(s, 0x09) + 1) << 6) * 1024),
      volume_size: 0,
    });
  }
  return rows;
}

export default registerTable(defineTable({
  name: "platform_info",
  description: "Firmware vendor, version, release date, revision, type (uefi/bios), address and size.",
  columns: [
    { name: "vendor", type: "TEXT" },
    { name: "version", type: "TEXT", collate: "version" },
    { name: "date", type: "TEXT" },
    { name: "revision", type: "TEXT", description: "BIOS major.minor release" },
    { name: "extra", type: "TEXT" },
    { name: "firmware_type", type: "TEXT" },
    { name: "address", type: "TEXT" },
    { name: "size", type: "TEXT", description: "ROM size in bytes" },
    { name: "volume_size", type: "INTEGER" },
  ],
  generate() {
    return platformInfoRows();
  },
}));
