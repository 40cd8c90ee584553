/**
 * `kernel_info`: the running kernel's version, command line, image path and root device.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readText, splitTrim } from "./_lib.ts";

/** The `kernel_info` row from `/proc/cmdline` and `/proc/version` under `root`. */
export function kernelInfoRow(root = ""): Row {
  const row: Row = {};
  const cmdline = readText(`${root}/proc/cmdline`);
  if (cmdline !== undefined) {
    const rest: string[] = [];
    for (const arg of splitTrim(cmdline, " ")) {
      if (arg.startsWith("BOOT_IMAGE=")) row.path = arg.slice(11);
      else if (arg.startsWith("root=")) row.device = arg.slice(5);
      else rest.push(arg);
    }
    row.arguments = rest.join(" ");
  }
  const signature = readText(`${root}/proc/version`);
  if (signature !== undefined) {
    // "Linux version 6.1.0-13-amd64 (builder@host) (gcc ...) #1 SMP ..."
    const parts = splitTrim(signature, " ");
    if (parts.length > 2 && parts[1] === "version") row.version = parts[2];
  }
  return row;
}

export default registerTable(defineTable({
  name: "kernel_info",
  description: "The running kernel: version, boot arguments, image path and root device.",
  attributes: { cacheable: true },
  columns: [
    { name: "version", type: "TEXT", collate: "version" },
    { name: "arguments", type: "TEXT", description: "Kernel command line without BOOT_IMAGE= and root=" },
    { name: "path", type: "TEXT", description: "Kernel image (BOOT_IMAGE=)" },
    { name: "device", type: "TEXT", description: "Root device (root=)" },
  ],
  generate() {
    return [kernelInfoRow()];
  },
}));
