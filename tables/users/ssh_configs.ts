/**
 * `ssh_configs`: SSH client options from each scanned user's ~/.ssh/config and the system-wide
 * /etc/ssh/ssh_config (reported as uid 0), each option with the Host/Match block it sits in.
 * Like osquery, lines are trimmed and lower-cased.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readText } from "../../core/host/files.ts";
import { readUserFiles } from "../../core/host/per_user.ts";
import { splitTrim } from "../../core/host/text.ts";

export default registerTable(defineTable({
  name: "ssh_configs",
  description: "SSH client configuration options per user and system-wide, with their Host/Match block.",
  columns: [
    {
      name: "uid",
      type: "BIGINT",
      additional: true,
      optimized: true,
      description: "The user whose ~/.ssh/config it is (0 for the system-wide file).",
    },
    { name: "block", type: "TEXT", description: "The Host or Match line the option sits under (empty: none)." },
    { name: "option", type: "TEXT", description: "The option line, lower-cased: keyword and value." },
    { name: "ssh_config_file", type: "TEXT", description: "The configuration file the option comes from." },
  ],
  attributes: { user_data: true, no_pkey: true },
  generate(ctx) {
    const rows: Row[] = [];
    for (const file of readUserFiles(ctx, ".ssh/config")) {
      rows.push(...sshConfigRows(file.text, file.user.uid, file.path));
    }
    const system = readText(ctx.host.path("/etc/ssh/ssh_config"));
    if (system !== undefined) rows.push(...sshConfigRows(system, 0, "/etc/ssh/ssh_config"));
    return rows;
  },
}));

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
