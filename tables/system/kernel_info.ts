/**
 * `kernel_info`: the running kernel's version (from /proc/version), its command line, and the
 * image path and root device the boot loader passed on it (/proc/cmdline).
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readText, splitTrim } from "./_lib.ts";

export default registerTable(defineTable({
  name: "kernel_info",
  description: "The running kernel: version, boot arguments, image path and root device.",
  attributes: { cacheable: true },
  columns: [
    { name: "version", type: "TEXT", collate: "version", description: "The kernel release, e.g. 6.1.0-13-amd64." },
    { name: "arguments", type: "TEXT", description: "The kernel command line without BOOT_IMAGE= and root=." },
    { name: "path", type: "TEXT", description: "The kernel image the boot loader loaded (BOOT_IMAGE=)." },
    { name: "device", type: "TEXT", description: "The root device named on the command line (root=)." },
  ],
  generate(ctx) {
    return [kernelInfoRow(readText(ctx.host.path("/proc/cmdline")), readText(ctx.host.path("/proc/version")))];
  },
}));

/** The row from the texts of /proc/cmdline and /proc/version (either may be missing). */
function kernelInfoRow(cmdline: string | undefined, signature: string | undefined): Row {
  const row: Row = {};
  if (cmdline !== undefined) {
    const rest: string[] = [];
    for (const arg of splitTrim(cmdline, " ")) {
      if (arg.startsWith("BOOT_IMAGE=")) row.path = arg.slice(11);
      else if (arg.startsWith("root=")) row.device = arg.slice(5);
      else rest.push(arg);
    }
    row.arguments = rest.join(" ");
  }
  if (signature !== undefined) {
    // "Linux version 6.1.0-13-amd64 (builder@host) (gcc ...) #1 SMP ..."
    const parts = splitTrim(signature, " ");
    if (parts.length > 2 && parts[1] === "version") row.version = parts[2];
  }
  return row;
}
