/**
 * `secureboot`: whether UEFI Secure Boot and Setup Mode are on, from the EFI variables.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readBytes } from "./_lib.ts";
import { firmwareType } from "./platform_info.ts";

/** The EFI global variable GUID the Secure Boot variables live under. */
const EFI_GLOBAL_GUID = "8be4df61-93ca-11d2-aa0d-00e098032b8c";

/**
 * Reads a one-byte boolean EFI variable: 1, 0, -1 for an unexpected value, `undefined` when absent.
 * efivarfs files start with a 4-byte attribute word; the legacy sysfs `vars/<name>/data` has none.
 */
export function readEfiBool(root: string, name: string): number | undefined {
  const efivar = readBytes(`${root}/sys/firmware/efi/efivars/${name}-${EFI_GLOBAL_GUID}`);
  let value: number | undefined;
  if (efivar && efivar.length >= 5) value = efivar[4];
  else {
    const legacy = readBytes(`${root}/sys/firmware/efi/vars/${name}-${EFI_GLOBAL_GUID}/data`);
    if (legacy && legacy.length >= 1) value = legacy[0];
  }
  if (value === undefined) return undefined;
  return value === 0 || value === 1 ? value : -1;
}

/** The `secureboot` rows under `root`: none unless the system booted through UEFI. */
export function secureBootRows(root = ""): Row[] {
  if (firmwareType(root) !== "uefi") return [];
  return [{ secure_boot: readEfiBool(root, "SecureBoot"), setup_mode: readEfiBool(root, "SetupMode") }];
}

export default registerTable(defineTable({
  name: "secureboot",
  description: "UEFI Secure Boot state: whether it is enforced and whether the firmware is in setup mode.",
  columns: [
    { name: "secure_boot", type: "INTEGER" },
    { name: "secure_mode", type: "INTEGER", linuxHidden: true },
    { name: "description", type: "TEXT", linuxHidden: true },
    { name: "kernel_extensions", type: "INTEGER", linuxHidden: true },
    { name: "mdm_operations", type: "INTEGER", linuxHidden: true },
    { name: "setup_mode", type: "INTEGER" },
  ],
  generate() {
    return secureBootRows();
  },
}));
