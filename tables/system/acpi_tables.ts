/**
 * `acpi_tables`: the ACPI tables the kernel exposes under /sys/firmware/acpi/tables.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { listDir, md5Hex, readBytes } from "./_lib.ts";

/**
 * The `acpi_tables` rows under `root`. Tables in sub-directories (dynamic/, data/) are included;
 * an unreadable table (they are root-only) has size -1 and no hash.
 */
export function acpiTableRows(root = "", withHash = true): Row[] {
  const rows: Row[] = [];
  const walk = (dir: string) => {
    for (const e of listDir(dir)) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory) {
        walk(path);
        continue;
      }
      if (!e.isFile) continue;
      const data = readBytes(path);
      rows.push({
        name: e.name,
        size: data ? data.length : -1,
        md5: data && withHash ? md5Hex(data) : undefined,
      });
    }
  };
  walk(`${root}/sys/firmware/acpi/tables`);
  return rows;
}

export default registerTable(defineTable({
  name: "acpi_tables",
  description: "ACPI tables the firmware provides: name, size and MD5 of the content.",
  columns: [
    { name: "name", type: "TEXT", description: "Table signature, e.g. DSDT, FACP, SSDT1" },
    { name: "size", type: "INTEGER" },
    { name: "md5", type: "TEXT", collate: "nocase" },
  ],
  generate(ctx) {
    return acpiTableRows("", ctx.isUsed("md5"));
  },
}));
