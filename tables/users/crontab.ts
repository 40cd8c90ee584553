/**
 * `crontab`: jobs from /etc/crontab, /etc/cron.d/ and the per-user spools (/var/spool/cron/,
 * /var/spool/cron/crontabs/, and macOS's /var/at/tabs/), one row per job line with its schedule
 * fields or @event; variable assignments and comments are left out.
 *
 * @module
 */
import { defineTable, type Row, type TableSpec, withOsqueryTextDefaults } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { listFiles, readText, underRoot } from "../../core/host/files.ts";
import { hostEnv, namespaceTargets, type UsersEnv } from "./_lib.ts";
import { splitTrim } from "../../core/host/text.ts";

const SYSTEM_CRONTAB = "/etc/crontab";
const CRON_DIRS = ["/etc/cron.d/", "/var/at/tabs/", "/var/spool/cron/", "/var/spool/cron/crontabs/"];
const FIELDS = ["minute", "hour", "day_of_month", "month", "day_of_week"];

/** The row for one crontab line, or undefined when it names no command (e.g. `SHELL=/bin/sh`). */
export function cronLine(line: string, path: string, pid = 0): Row | undefined {
  const row: Row = { path, pid_with_namespace: pid };
  const tokens = splitTrim(line, " \t");
  let index = 0;
  for (const token of tokens) {
    if (index === 0 && token.startsWith("@")) {
      row.event = token;
      index = 5;
      continue;
    }
    if (index < 5) row[FIELDS[index]] = token;
    else if (index === 5) row.command = token;
    else row.command = `${row.command} ${token}`;
    index++;
  }
  return row.command ? row : undefined;
}

/** The rows for one crontab file's text. */
export function cronRows(text: string, path: string, pid = 0): Row[] {
  const rows: Row[] = [];
  for (const line of splitTrim(text, "\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const row = cronLine(line, path, pid);
    if (row) rows.push(row);
  }
  return rows;
}

/** The `crontab` table reading under `env`. */
export function crontabTable(env: UsersEnv = hostEnv): TableSpec {
  return withOsqueryTextDefaults(defineTable({
    name: "crontab",
    description: "Scheduled cron jobs from the system crontab, /etc/cron.d and users' crontab spools.",
    columns: [
      { name: "event", type: "TEXT" },
      { name: "minute", type: "TEXT" },
      { name: "hour", type: "TEXT" },
      { name: "day_of_month", type: "TEXT" },
      { name: "month", type: "TEXT" },
      { name: "day_of_week", type: "TEXT" },
      { name: "command", type: "TEXT" },
      { name: "path", type: "TEXT" },
      { name: "pid_with_namespace", type: "INTEGER", additional: true, hidden: true, linuxHidden: true },
    ],
    attributes: { cacheable: true },
    generate(ctx) {
      const rows: Row[] = [];
      for (const target of namespaceTargets(ctx, env)) {
        const files = [SYSTEM_CRONTAB];
        for (const dir of CRON_DIRS) {
          const real = underRoot(target.root, dir);
          for (const file of listFiles(real)) files.push(dir + file.slice(file.lastIndexOf("/") + 1));
        }
        for (const file of files) {
          const text = readText(underRoot(target.root, file));
          if (text !== undefined) rows.push(...cronRows(text, file, target.pid));
        }
      }
      return rows;
    },
  }));
}

export default registerTable(crontabTable());
