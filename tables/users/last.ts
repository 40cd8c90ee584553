/**
 * `last`: login and logout records from wtmp (/var/log/wtmp), decoded directly; only user-process
 * and dead-process entries, as osquery reports.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readUtmp, UT, type UtmpRecord } from "./_lib.ts";

export default registerTable(defineTable({
  name: "last",
  description: "Login and logout history from wtmp: user, terminal, pid, entry type, time and remote host.",
  columns: [
    { name: "username", type: "TEXT", description: "The user the record names (empty for a logout)." },
    { name: "tty", type: "TEXT", description: "The terminal line, e.g. pts/0." },
    { name: "pid", type: "INTEGER", description: "The session's login process." },
    { name: "type", type: "INTEGER", description: "The utmp record type (7 user process, 8 dead process)." },
    { name: "type_name", type: "TEXT", description: "The record type's name, e.g. user-process." },
    { name: "time", type: "INTEGER", description: "When the record was written, in seconds since 1970." },
    { name: "host", type: "TEXT", description: "The remote host of the login, if any." },
  ],
  attributes: { cacheable: true },
  generate(ctx) {
    return lastRows(readUtmp(ctx.host.path("/var/log/wtmp")));
  },
}));

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
