/**
 * `ssh_configs`: SSH client options from each scanned user's ~/.ssh/config and the system-wide
 * /etc/ssh/ssh_config (reported as uid 0), each option with the Host/Match block it sits in.
 * Like osquery, lines are trimmed and lower-cased.
 *
 * @module
 */
import { defineTable, type Row, type TableSpec, withOsqueryTextDefaults } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readText, underRoot } from "../../core/host/files.ts";
import { hostEnv, readUserFiles, type UsersEnv } from "./_lib.ts";
import { splitTrim } from "../../core/host/text.ts";

/** The rows for one ssh_config file's text. */
export function sshConfigRows(text: string, uid: number, file: string): Row[] {
  const rows: Row[] = [];
  let block = "";
  for (const raw of splitTrim(text, "\n")) {
    const line = raw.toLowerCase();
    if (line === "" || line.startsWith("#")) continue;
    if (line.startsWith("host ") || line.startsWith("match ")) block = line;
    else rows.push({ uid, block, option: line, ssh_config_file: file });
  }
  return rows;
}

/** The `ssh_configs` table for users under `env`. */
export function sshConfigsTable(env: UsersEnv = hostEnv): TableSpec {
  return withOsqueryTextDefaults(defineTable({
    name: "ssh_configs",
    description: "SSH client configuration options per user and system-wide, with their Host/Match block.",
    columns: [
      { name: "uid", type: "BIGINT", additional: true, optimized: true },
      { name: "block", type: "TEXT" },
      { name: "option", type: "TEXT" },
      { name: "ssh_config_file", type: "TEXT" },
    ],
    attributes: { user_data: true, no_pkey: true },
    generate(ctx) {
      const rows: Row[] = [];
      for (const file of readUserFiles(ctx, env, ".ssh/config")) {
        rows.push(...sshConfigRows(file.text, file.user.uid, file.path));
      }
      const system = readText(underRoot(env.root, "/etc/ssh/ssh_config"));
      if (system !== undefined) rows.push(...sshConfigRows(system, 0, "/etc/ssh/ssh_config"));
      return rows;
    },
  }));
}

export default registerTable(sshConfigsTable());
