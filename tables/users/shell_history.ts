/**
 * `shell_history`: commands from each scanned user's shell history files (bash, zsh, sh, ash and
 * macOS-style ~/.bash_sessions/*.history), with bash `#<epoch>` and zsh extended-history
 * timestamps decoded; lines without one have time 0.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import type { Host } from "../../core/host/host.ts";
import { joinPath, listDir, readText } from "../../core/host/files.ts";
import { usersFromContext } from "../../core/host/per_user.ts";

export default registerTable(defineTable({
  name: "shell_history",
  description: "Commands from users' shell history files, with timestamps where the shell recorded them.",
  columns: [
    {
      name: "uid",
      type: "BIGINT",
      additional: true,
      optimized: true,
      description: "The user whose history file it is.",
    },
    { name: "time", type: "INTEGER", description: "When the command ran, in seconds since 1970 (0: not recorded)." },
    { name: "command", type: "TEXT", description: "The command line as the shell saved it." },
    { name: "history_file", type: "TEXT", description: "The history file the command comes from." },
  ],
  attributes: { user_data: true, no_pkey: true },
  *generate(ctx) {
    const host = ctx.host;
    for (const user of usersFromContext(ctx)) {
      const files = [
        ...HISTORY_FILES.map((name) => joinPath(user.directory, name)),
        ...bashSessionFiles(host, user.directory),
      ];
      for (const file of files) {
        const text = readText(host.path(file));
        if (text !== undefined) yield* historyRows(text, user.uid, file);
      }
    }
  },
}));

const HISTORY_FILES = [".bash_history", ".zsh_history", ".zhistory", ".history", ".sh_history", ".ash_history"];
const BASH_TIMESTAMP = /^#([0-9]+)$/;
const ZSH_ENTRY = /^: {0,10}([0-9]{1,11}):[0-9]+;(.*)$/;

/** The rows for one history file's text. */
export function historyRows(text: string, uid: number, historyFile: string): Row[] {
  const rows: Row[] = [];
  const lines = text.split("\n");
  // The piece after a final newline is not a line.
  if (lines[lines.length - 1] === "") lines.pop();
  let pendingTime: string | undefined;
  for (const line of lines) {
    if (pendingTime === undefined) {
      const ts = BASH_TIMESTAMP.exec(line);
      if (ts) {
        pendingTime = ts[1];
        continue;
      }
    }
    let time = 0;
    let command = line;
    if (pendingTime !== undefined) {
      time = Number(pendingTime);
      pendingTime = undefined;
    } else {
      const zsh = ZSH_ENTRY.exec(line);
      if (zsh) {
        time = Number(zsh[1]);
        command = zsh[2];
      }
    }
    rows.push({ uid, time, command, history_file: historyFile });
  }
  return rows;
}

/** `~/.bash_sessions/*.history`, sorted, without dot-files. */
function bashSessionFiles(host: Host, home: string): string[] {
  const dir = joinPath(home, ".bash_sessions");
  return listDir(host.path(dir))
    .filter((e) => !e.name.startsWith(".") && e.name.endsWith(".history"))
    .map((e) => joinPath(dir, e.name));
}
