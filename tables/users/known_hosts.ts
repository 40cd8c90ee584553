/**
 * `known_hosts`: the host keys each scanned user has accepted (~/.ssh/known_hosts), one row per
 * line, comments and blank lines left out.
 *
 * @module
 */
import { defineTable, type Row, type TableSpec, withOsqueryTextDefaults } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { hostEnv, readUserFiles, type UsersEnv } from "./_lib.ts";
import { splitTrim } from "../../core/host/text.ts";

/** The rows for one known_hosts file's text. */
export function knownHostRows(text: string, uid: number, keyFile: string): Row[] {
  return splitTrim(text, "\n").filter((l) => l !== "" && !l.startsWith("#")).map((key) => ({
    uid,
    key,
    key_file: keyFile,
  }));
}

/** The `known_hosts` table for users under `env`. */
export function knownHostsTable(env: UsersEnv = hostEnv): TableSpec {
  return withOsqueryTextDefaults(defineTable({
    name: "known_hosts",
    description: "Host keys each user's SSH client trusts, line by line from ~/.ssh/known_hosts.",
    columns: [
      { name: "uid", type: "BIGINT", index: true, optimized: true },
      { name: "key", type: "TEXT" },
      { name: "key_file", type: "TEXT" },
    ],
    attributes: { user_data: true, no_pkey: true },
    generate(ctx) {
      const rows: Row[] = [];
      for (const file of readUserFiles(ctx, env, ".ssh/known_hosts")) {
        rows.push(...knownHostRows(file.text, file.user.uid, file.path));
      }
      return rows;
    },
  }));
}

export default registerTable(knownHostsTable());
