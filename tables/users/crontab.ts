/**
 * `crontab`: jobs from /etc/crontab, /etc/cron.d/ and the per-user spools (/var/spool/cron/,
 * /var/spool/cron/crontabs/, and macOS's /var/at/tabs/), one row per job line with its schedule
 * fields or @event; variable assignments and comments are left out.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { listFiles, readText } from "../../core/host/files.ts";
import { namespaceRoots } from "../../core/host/namespace_roots.ts";
import { splitTrim } from "../../core/host/text.ts";

export default registerTable(defineTable({
  name: "crontab",
  description: "Scheduled cron jobs from the system crontab, /etc/cron.d and users' crontab spools.",
  columns: [
    { name: "event", type: "TEXT", description: "The @event of a job that runs on one (e.g. @reboot), else empty." },
    { name: "minute", type: "TEXT", description: "The minute field of the schedule." },
    { name: "hour", type: "TEXT", description: "The hour field of the schedule." },
    { name: "day_of_month", type: "TEXT", description: "The day-of-month field of the schedule." },
    { name: "month", type: "TEXT", description: "The month field of the schedule." },
    { name: "day_of_week", type: "TEXT", description: "The day-of-week field of the schedule." },
    { name: "command", type: "TEXT", description: "The rest of the line: the user (system files) and the command." },
    { name: "path", type: "TEXT", description: "The crontab file the job comes from." },
    {
      name: "pid_with_namespace",
      type: "INTEGER",
      additional: true,
      hidden: true,
      linuxHidden: true,
      description: "Read the crontabs of this process's mount namespace (0: the host's).",
    },
  ],
  attributes: { cacheable: true },
  generate(ctx) {
    const rows: Row[] = [];
    for (const view of namespaceRoots(ctx)) {
      const files = [SYSTEM_CRONTAB];
      for (const dir of CRON_DIRS) {
        for (const file of listFiles(view.host.path(dir))) files.push(dir + file.slice(file.lastIndexOf("/") + 1));
      }
      for (const file of files) {
        const text = readText(view.host.path(file));
        if (text !== undefined) rows.push(...cronRows(text, file, view.pid));
      }
    }
    return rows;
  },
}));

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
