/**
 * `extended_attributes`: the extended attributes of the files a query names by `path` (= or LIKE)
 * or `directory` (every entry in it), read with listxattr/getxattr. Printable NUL-terminated
 * values are shown as text, others base64-encoded; file capabilities are decoded to libcap's text.
 *
 * @module
 */
import { defineTable, type Row, type TableSpec, withOsqueryTextDefaults } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { encodeBase64 } from "./_base64.ts";
import { isDirectory } from "../../core/host/files.ts";
import { lstat } from "../../core/host/statx.ts";
import { constrainedPaths, GLOB } from "../../core/host/glob.ts";
import { entryPaths, parentPath } from "./_lib.ts";
import { capabilitiesText, getXattr, listXattrs } from "./_xattr.ts";

const CAPABILITY = "security.capability";

/** How osquery shows an attribute value: text when printable and NUL-terminated, else base64. */
export function presentValue(value: Uint8Array): { value: string; base64: number } {
  if (value.length === 0) return { value: "", base64: 1 };
  const printable = value[value.length - 1] === 0 &&
    value.subarray(0, value.length - 1).every((b) => b >= 0x20 && b <= 0x7e);
  if (printable) return { value: new TextDecoder().decode(value.subarray(0, value.length - 1)), base64: 0 };
  return { value: encodeBase64(value), base64: 1 };
}

/** The rows for one path (none when it does not exist or has no attributes). */
export function xattrRows(path: string, directory = parentPath(path)): Row[] {
  if (!lstat(path)) return [];
  const names = listXattrs(path);
  if (!names) return [];
  const rows: Row[] = [];
  const caps = capabilitiesText(path);
  if (caps) rows.push({ path, directory, key: CAPABILITY, value: caps, base64: 0 });
  for (const name of names) {
    // Decoded capabilities replace the raw attribute; without libcap the raw value is shown.
    if (name === CAPABILITY && caps !== undefined) continue;
    const value = getXattr(path, name);
    if (value === undefined) continue;
    rows.push({ path, directory, key: name, ...presentValue(value) });
  }
  return rows;
}

/** The `extended_attributes` table. */
export function extendedAttributesTable(): TableSpec {
  return withOsqueryTextDefaults(defineTable({
    name: "extended_attributes",
    description: "Extended attributes (xattrs) of the files a query names, including decoded file capabilities.",
    columns: [
      { name: "path", type: "TEXT", required: true, optimized: true },
      { name: "directory", type: "TEXT", required: true, optimized: true },
      { name: "key", type: "TEXT" },
      { name: "value", type: "TEXT" },
      { name: "base64", type: "INTEGER" },
    ],
    *generate(ctx) {
      for (const path of constrainedPaths(ctx, "path", GLOB.ALL)) yield* xattrRows(path);
      for (const dir of constrainedPaths(ctx, "directory", GLOB.FOLDERS)) {
        if (!isDirectory(dir)) continue;
        for (const path of entryPaths(dir)) yield* xattrRows(path, dir);
      }
    },
  }));
}

export default registerTable(extendedAttributesTable());
