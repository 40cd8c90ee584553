/**
 * `acpi_tables`: the ACPI tables the kernel exposes under /sys/firmware/acpi/tables, including
 * those in its sub-directories (dynamic/, data/). The tables are readable by root only: for other
 * users a table is listed with size -1 and no hash.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { listDir, md5Hex, readBytes } from "./_lib.ts";

export default registerTable(defineTable({
  name: "acpi_tables",
  description: "ACPI tables the firmware hands the kernel: name, size and MD5 of the content.",
  columns: [
    { name: "name", type: "TEXT", description: "Table signature, e.g. DSDT, FACP, SSDT1." },
    { name: "size", type: "INTEGER", description: "Length of the table in bytes (-1 when it cannot be read)." },
    { name: "md5", type: "TEXT", collate: "nocase", description: "MD5 of the table's bytes, lowercase hex." },
  ],
  generate(ctx) {
    return acpiTableRows(ctx.host.path("/sys/firmware/acpi/tables"), ctx.isUsed("md5"));
  },
}));

/** The rows for the tables in `dir` and its sub-directories; hashing only `withHash`. */
function acpiTableRows(dir: string, withHash: boolean): Row[] {
  const rows: Row[] = [];
  for (const e of listDir(dir)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) {
      rows.push(...acpiTableRows(path, withHash));
      continue;
    }
    if (!e.isFile) continue;
    const data = readBytes(path);
    rows.push({ name: e.name, size: data ? data.length : -1, md5: data && withHash ? md5Hex(data) : undefined });
  }
  return rows;
}
