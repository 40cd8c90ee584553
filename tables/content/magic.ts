/**
 * `magic`: what libmagic (the engine of file(1)) says a file is: its description, MIME type and
 * MIME encoding. `path` is required; `magic_db_files` picks other compiled databases. Both name
 * files of the host and are read under `ctx.host`.
 *
 * @module
 */
import { defineTable, type Row, TableError } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import type { Host } from "../../core/host/host.ts";
import { MAGIC, Magic, MagicLoadError } from "./_magic.ts";

export default registerTable(defineTable({
  name: "magic",
  description: "File type, MIME type and encoding of the given paths, as libmagic recognises them.",
  columns: [
    { name: "path", type: "TEXT", required: true, index: true, description: "The file to identify." },
    {
      name: "magic_db_files",
      type: "TEXT",
      additional: true,
      description: "The compiled magic databases used, colon-separated (default: the system's magic.mgc).",
    },
    { name: "data", type: "TEXT", description: "libmagic's description of the content, as file(1) prints it." },
    { name: "mime_type", type: "TEXT", description: "The content's MIME type per libmagic." },
    { name: "mime_encoding", type: "TEXT", description: "The content's character encoding per libmagic." },
  ],
  generate(ctx) {
    const paths = ctx.equals("path");
    if (paths.length === 0) return [];
    const asked = ctx.equals("magic_db_files");
    const databases = asked.length ? asked.join(":") : defaultDatabases(ctx.host);
    const magic = openDatabases(databases === undefined ? undefined : hostPaths(ctx.host, databases));
    try {
      const rows: Row[] = [];
      for (const path of paths) {
        const file = ctx.host.path(path);
        const row: Row = { path, magic_db_files: databases ?? "" };
        if (ctx.isUsed("data")) row.data = magic.describe(file, MAGIC.NONE);
        if (ctx.isUsed("mime_type")) row.mime_type = magic.describe(file, MAGIC.MIME_TYPE);
        if (ctx.isUsed("mime_encoding")) row.mime_encoding = magic.describe(file, MAGIC.MIME_ENCODING);
        rows.push(row);
      }
      return rows;
    } finally {
      magic.close();
    }
  },
}));

/** The compiled databases osquery loads by default (those present are used). */
const DEFAULT_MAGIC_FILES = ["/usr/share/file/magic.mgc", "/usr/share/misc/magic.mgc"];

/** The default databases present on `host`, colon-separated as the host names them; undefined when none is. */
function defaultDatabases(host: Host): string | undefined {
  const present: string[] = [];
  const seen = new Set<string>();
  for (const f of DEFAULT_MAGIC_FILES) {
    try {
      const real = Deno.realPathSync(host.path(f));
      if (seen.has(real)) continue; // Debian links both names to one file: load it once.
      seen.add(real);
      present.push(f);
    } catch {
      // Not on this host.
    }
  }
  return present.length ? present.join(":") : undefined;
}

/** A colon-separated list of host paths, each under the host's root. */
function hostPaths(host: Host, list: string): string {
  return list.split(":").map((p) => (p === "" ? p : host.path(p))).join(":");
}

/** Opens libmagic with `databases`; one that will not load is a TableError saying what to check. */
function openDatabases(databases: string | undefined): Magic {
  try {
    return new Magic(databases);
  } catch (e) {
    // osquery only logs this and returns nothing; saying why is more useful.
    if (e instanceof MagicLoadError) {
      throw new TableError(`${e.message}. Check magic_db_files (colon-separated magic files).`);
    }
    throw e;
  }
}
