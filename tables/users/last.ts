/**
 * `last`: login and logout records from wtmp (/var/log/wtmp), decoded directly; only user-process
 * and dead-process entries, as osquery reports.
 *
 * @module
 */
import { defineTable, type Row, type TableSpec, withOsqueryTextDefaults } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readUtmp, UT, type UtmpRecord } from "./_lib.ts";

const TYPE_NAMES: Record<number, string> = {
  [UT.EMPTY]: "empty",
  [UT.RUN_LVL]: "run-level",
  [UT.BOOT_TIME]: "boot-time",
  [UT.NEW_TIME]: "new-time",
  [UT.OLD_TIME]: "old-time",
  [UT.INIT_PROCESS]: "init-process",
  [UT.LOGIN_PROCESS]: "login-process",
  [UT.USER_PROCESS]: "user-process",
  [UT.DEAD_PROCESS]: "dead-process",
};

/** The `last` rows for wtmp records. */
export function lastRows(records: UtmpRecord[]): Row[] {
  return records.filter((r) => r.type === UT.USER_PROCESS || r.type === UT.DEAD_PROCESS).map((r) => ({
    username: r.user,
    tty: r.line,
    pid: r.pid,
    type: r.type,
    type_name: TYPE_NAMES[r.type] ?? "",
    time: r.time,
    host: r.host,
  }));
}

/** The `last` table reading `wtmpPath`. */
export function lastTable(wtmpPath = "/var/log/wtmp"): TableSpec {
  return withOsqueryTextDefaults(defineTable({
    name: "last",
    description: "Login and logout history from wtmp: user, terminal, pid, entry type, time and remote host.",
    columns: [
      { name: "username", type: "TEXT" },
      { name: "tty", type: "TEXT" },
      { name: "pid", type: "INTEGER" },
      { name: "type", type: "INTEGER" },
      { name: "type_name", type: "TEXT" },
      { name: "time", type: "INTEGER" },
      { name: "host", type: "TEXT" },
    ],
    attributes: { cacheable: true },
    generate() {
      return lastRows(readUtmp(wtmpPath));
    },
  }));
}

export default registerTable(lastTable());
