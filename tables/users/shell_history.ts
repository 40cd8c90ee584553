/**
 * `shell_history`: commands from each scanned user's shell history files (bash, zsh, sh, ash and
 * macOS-style ~/.bash_sessions/*.history), with bash `#<epoch>` and zsh extended-history
 * timestamps decoded; lines without one have time 0.
 *
 * @module
 */
import { defineTable, type Row, type TableSpec, withOsqueryTextDefaults } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { joinPath, listDir, readText, underRoot } from "../../core/host/files.ts";
import { hostEnv, type UsersEnv, usersFromContext } from "./_lib.ts";

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
function bashSessionFiles(root: string, home: string): string[] {
  const dir = joinPath(home, ".bash_sessions");
  return listDir(underRoot(root, dir))
    .filter((e) => !e.name.startsWith(".") && e.name.endsWith(".history"))
    .map((e) => joinPath(dir, e.name));
}

/** The `shell_history` table for users under `env`. */
export function shellHistoryTable(env: UsersEnv = hostEnv): TableSpec {
  return withOsqueryTextDefaults(defineTable({
    name: "shell_history",
    description: "Commands from users' shell history files, with timestamps where the shell recorded them.",
    columns: [
      { name: "uid", type: "BIGINT", additional: true, optimized: true },
      { name: "time", type: "INTEGER" },
      { name: "command", type: "TEXT" },
      { name: "history_file", type: "TEXT" },
    ],
    attributes: { user_data: true, no_pkey: true },
    *generate(ctx) {
      for (const user of usersFromContext(ctx, env)) {
        const files = [
          ...HISTORY_FILES.map((name) => joinPath(user.directory, name)),
          ...bashSessionFiles(env.root, user.directory),
        ];
        for (const file of files) {
          const text = readText(underRoot(env.root, file));
          if (text !== undefined) yield* historyRows(text, user.uid, file);
        }
      }
    },
  }));
}

export default registerTable(shellHistoryTable());
