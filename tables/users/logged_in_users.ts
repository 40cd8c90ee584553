/**
 * `logged_in_users`: the sessions recorded in utmp (/var/run/utmp), decoded directly. Records of
 * pid 1 (init's bookkeeping) are left out, as osquery does.
 *
 * @module
 */
import { defineTable, type Row, type TableSpec, withOsqueryTextDefaults } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readUtmp, UT, type UtmpRecord } from "./_lib.ts";

const LOGIN_TYPES: Record<number, string> = {
  [UT.EMPTY]: "empty",
  [UT.BOOT_TIME]: "boot_time",
  [UT.NEW_TIME]: "new_time",
  [UT.OLD_TIME]: "old_time",
  [UT.INIT_PROCESS]: "init",
  [UT.LOGIN_PROCESS]: "login",
  [UT.USER_PROCESS]: "user",
  [UT.DEAD_PROCESS]: "dead",
  [UT.RUN_LVL]: "runlevel",
  [UT.ACCOUNTING]: "accounting",
};

/** The `logged_in_users` rows for utmp records. */
export function loggedInRows(records: UtmpRecord[]): Row[] {
  return records.filter((r) => r.pid !== 1).map((r) => ({
    type: LOGIN_TYPES[r.type] ?? "unknown",
    user: r.user,
    tty: r.line,
    host: r.host,
    time: r.time,
    pid: r.pid,
  }));
}

/** The `logged_in_users` table reading `utmpPath`. */
export function loggedInUsersTable(utmpPath = "/var/run/utmp"): TableSpec {
  return withOsqueryTextDefaults(defineTable({
    name: "logged_in_users",
    description: "Current sessions from utmp: login type, user, terminal, remote host, start time and pid.",
    columns: [
      { name: "type", type: "TEXT" },
      { name: "user", type: "TEXT" },
      { name: "tty", type: "TEXT" },
      { name: "host", type: "TEXT" },
      { name: "time", type: "BIGINT" },
      { name: "pid", type: "INTEGER" },
      { name: "sid", type: "TEXT", linuxHidden: true },
      { name: "registry_hive", type: "TEXT", linuxHidden: true },
    ],
    attributes: { cacheable: true },
    generate() {
      return loggedInRows(readUtmp(utmpPath));
    },
  }));
}

export default registerTable(loggedInUsersTable());
