/**
 * `known_hosts`: the host keys each scanned user has accepted (~/.ssh/known_hosts), one row per
 * line, comments and blank lines left out.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readUserFiles } from "../../core/host/per_user.ts";
import { splitTrim } from "../../core/host/text.ts";

export default registerTable(defineTable({
  name: "known_hosts",
  description: "Host keys each user's SSH client trusts, line by line from ~/.ssh/known_hosts.",
  columns: [
    { name: "uid", type: "BIGINT", index: true, optimized: true, description: "The user whose known_hosts it is." },
    { name: "key", type: "TEXT", description: "The whole line: host patterns, key type and key." },
    { name: "key_file", type: "TEXT", description: "The known_hosts file the line comes from." },
  ],
  attributes: { user_data: true, no_pkey: true },
  generate(ctx) {
    const rows: Row[] = [];
    for (const file of readUserFiles(ctx, ".ssh/known_hosts")) {
      rows.push(...knownHostRows(file.text, file.user.uid, file.path));
    }
    return rows;
  },
}));

/** The rows for one known_hosts file's text. */
export function knownHostRows(text: string, uid: number, keyFile: string): Row[] {
  return splitTrim(text, "\n").filter((l) => l !== "" && !l.startsWith("#")).map((key) => ({
    uid,
    key,
    key_file: keyFile,
  }));
}
