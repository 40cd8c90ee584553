/**
 * `secureboot`: whether UEFI Secure Boot and Setup Mode are on, from the EFI variables
 * (efivarfs, or the legacy sysfs vars/ directory on old kernels).
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import type { Host } from "../../core/host/host.ts";
import { firmwareType, readBytes } from "./_lib.ts";

export default registerTable(defineTable({
  name: "secureboot",
  description: "UEFI Secure Boot state: whether it is enforced and whether the firmware is in setup mode.",
  columns: [
    { name: "secure_boot", type: "INTEGER", description: "1 when Secure Boot is enforced, 0 when not, -1 odd value." },
    {
      name: "secure_mode",
      type: "INTEGER",
      linuxHidden: true,
      description: "Intel Macs' secure boot level (macOS only).",
    },
    { name: "description", type: "TEXT", linuxHidden: true, description: "Apple silicon's security level, in words." },
    {
      name: "kernel_extensions",
      type: "INTEGER",
      linuxHidden: true,
      description: "1 when users may manage kernel extensions (Apple silicon only).",
    },
    {
      name: "mdm_operations",
      type: "INTEGER",
      linuxHidden: true,
      description: "1 when MDM may manage extensions and updates (Apple silicon only).",
    },
    {
      name: "setup_mode",
      type: "INTEGER",
      description: "1 when the firmware is in setup mode (keys can be enrolled).",
    },
  ],
  generate(ctx) {
    // BIOS-booted hosts have no EFI variables: no row.
    if (firmwareType(ctx.host) !== "uefi") return [];
    return [{ secure_boot: readEfiBool(ctx.host, "SecureBoot"), setup_mode: readEfiBool(ctx.host, "SetupMode") }];
  },
}));

/** The EFI global variable GUID the Secure Boot variables live under. */
const EFI_GLOBAL_GUID = "8be4df61-93ca-11d2-aa0d-00e098032b8c";

/**
 * Reads a one-byte boolean EFI variable: 1, 0, -1 for an unexpected value, `undefined` when absent.
 * efivarfs files start with a 4-byte attribute word; the legacy sysfs `vars/<name>/data` has none.
 */
function readEfiBool(host: Host, name: string): number | undefined {
  const efivar = readBytes(host.path(`/sys/firmware/efi/efivars/${name}-${EFI_GLOBAL_GUID}`));
  let value: number | undefined;
  if (efivar && efivar.length >= 5) value = efivar[4];
  else {
    const legacy = readBytes(host.path(`/sys/firmware/efi/vars/${name}-${EFI_GLOBAL_GUID}/data`));
    if (legacy && legacy.length >= 1) value = legacy[0];
  }
  if (value === undefined) return undefined;
  return value === 0 || value === 1 ? value : -1;
}
