/**
 * magic: what libmagic (the engine of file(1)) says a file is: its description, MIME type and
 * MIME encoding. `path` is required; `magic_db_files` picks other compiled databases.
 *
 * @module
 */
import { defineTable, type Row, TableError } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { MAGIC, Magic, MagicLoadError } from "./_magic.ts";

/** The compiled databases osquery loads by default (those present are used). */
export const DEFAULT_MAGIC_FILES = ["/usr/share/file/magic.mgc", "/usr/share/misc/magic.mgc"];

function defaultDatabases(): string | undefined {
  const present: string[] = [];
  const seen = new Set<string>();
  for (const f of DEFAULT_MAGIC_FILES) {
    try {
      const real = Deno.realPathSync(f);
      if (seen.has(real)) continue; // Debian links both names to one file: load it once.
      seen.add(real);
      present.push(f);
    } catch {
      // Not on this host.
    }
  }
  return present.length ? present.join(":") : undefined;
}

export default registerTable(defineTable({
  name: "magic",
  description: "File type, MIME type and encoding of the given paths, as libmagic recognises them.",
  columns: [
    { name: "path", type: "TEXT", required: true, index: true },
    { name: "magic_db_files", type: "TEXT", additional: true },
    { name: "data", type: "TEXT" },
    { name: "mime_type", type: "TEXT" },
    { name: "mime_encoding", type: "TEXT" },
  ],
  generate(ctx) {
    const paths = ctx.equals("path");
    if (paths.length === 0) return [];
    const asked = ctx.equals("magic_db_files");
    const databases = asked.length ? asked.join(":") : defaultDatabases();
    let magic: Magic;
    try {
      magic = new Magic(databases);
    } catch (e) {
      // osquery only logs this and returns nothing; saying why is more useful.
      if (e instanceof MagicLoadError) {
        throw new TableError(`${e.message}. Check magic_db_files (colon-separated magic files).`);
      }
      throw e;
    }
    try {
      const rows: Row[] = [];
      for (const path of paths) {
        const row: Row = { path, magic_db_files: databases ?? "" };
        if (ctx.isUsed("data")) row.data = magic.describe(path, MAGIC.NONE);
        if (ctx.isUsed("mime_type")) row.mime_type = magic.describe(path, MAGIC.MIME_TYPE);
        if (ctx.isUsed("mime_encoding")) row.mime_encoding = magic.describe(path, MAGIC.MIME_ENCODING);
        rows.push(row);
      }
      return rows;
    } finally {
      magic.close();
    }
  },
}));
