/**
 * `extended_attributes`: the extended attributes of the files a query names by `path` (= or LIKE)
 * or `directory` (every entry in it), read with listxattr/getxattr. Printable NUL-terminated
 * values are shown as text, others base64-encoded; file capabilities are decoded to libcap's text.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { isDirectory, joinPath } from "../../core/host/files.ts";
import { lstat, readDirectory } from "../../core/host/statx.ts";
import { GLOB, iterateConstrainedPaths } from "../../core/host/glob.ts";
import { parentPath } from "./_lib.ts";
import { capabilitiesText, getXattr, listXattrs } from "./_xattr.ts";

export default registerTable(defineTable({
  name: "extended_attributes",
  description: "Extended attributes (xattrs) of the files a query names, file capabilities decoded.",
  columns: [
    {
      name: "path",
      type: "TEXT",
      required: true,
      optimized: true,
      description: "The file whose attributes are listed (= or LIKE).",
    },
    {
      name: "directory",
      type: "TEXT",
      required: true,
      optimized: true,
      description: "The file's directory; = or LIKE lists the attributes of every entry in it.",
    },
    { name: "key", type: "TEXT", description: "The attribute's name, e.g. user.note or security.capability." },
    { name: "value", type: "TEXT", description: "The value: text when printable, else base64; capabilities as text." },
    { name: "base64", type: "INTEGER", description: "1 when value is base64-encoded, 0 when it is text." },
  ],
  *generate(ctx) {
    const root = ctx.host.root;
    for (const path of iterateConstrainedPaths(ctx, "path", GLOB.ALL, root)) {
      yield* xattrRows(root, path, parentPath(path));
    }
    for (const dir of iterateConstrainedPaths(ctx, "directory", GLOB.FOLDERS, root)) {
      if (!isDirectory(root + dir)) continue;
      for (const name of readDirectory(root + dir)?.names ?? []) yield* xattrRows(root, joinPath(dir, name), dir);
    }
  },
}));

const CAPABILITY = "security.capability";

/** The rows of `path` read under `root` (none when it does not exist or has no attributes). */
function xattrRows(root: string, path: string, directory: string): Row[] {
  const real = root + path;
  if (!lstat(real)) return [];
  const names = listXattrs(real);
  if (!names) return [];
  const rows: Row[] = [];
  const caps = capabilitiesText(real);
  if (caps) rows.push({ path, directory, key: CAPABILITY, value: caps, base64: 0 });
  for (const name of names) {
    // Decoded capabilities replace the raw attribute; without libcap the raw value is shown.
    if (name === CAPABILITY && caps !== undefined) continue;
    const value = getXattr(real, name);
    if (value === undefined) continue;
    rows.push({ path, directory, key: name, ...presentValue(value) });
  }
  return rows;
}

/** How osquery shows an attribute value: text when printable and NUL-terminated, else base64. */
export function presentValue(value: Uint8Array): { value: string; base64: number } {
  if (value.length === 0) return { value: "", base64: 1 };
  const printable = value[value.length - 1] === 0 &&
    value.subarray(0, value.length - 1).every((b) => b >= 0x20 && b <= 0x7e);
  if (printable) return { value: new TextDecoder().decode(value.subarray(0, value.length - 1)), base64: 0 };
  return { value: value.toBase64(), base64: 1 };
}
