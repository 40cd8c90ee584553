/**
 * `logged_in_users`: the sessions recorded in utmp (/var/run/utmp), decoded directly. Records of
 * pid 1 (init's bookkeeping) are left out, as osquery does.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readUtmp, UT, type UtmpRecord } from "./_lib.ts";

export default registerTable(defineTable({
  name: "logged_in_users",
  description: "Current sessions from utmp: login type, user, terminal, remote host, start time and pid.",
  columns: [
    { name: "type", type: "TEXT", description: "The record's kind: user, login, dead, boot_time, init..." },
    { name: "user", type: "TEXT", description: "The login name." },
    { name: "tty", type: "TEXT", description: "The terminal device, e.g. pts/0." },
    { name: "host", type: "TEXT", description: "The remote host the session came from, if any." },
    { name: "time", type: "BIGINT", description: "When the record was written, in seconds since 1970." },
    { name: "pid", type: "INTEGER", description: "The session's process." },
    { name: "sid", type: "TEXT", linuxHidden: true, description: "Windows: the user's security identifier." },
    { name: "registry_hive", type: "TEXT", linuxHidden: true, description: "Windows: the user's registry hive." },
  ],
  attributes: { cacheable: true },
  generate(ctx) {
    return loggedInRows(readUtmp(ctx.host.path("/var/run/utmp")));
  },
}));

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
