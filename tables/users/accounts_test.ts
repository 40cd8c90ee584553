import { assert, assertEquals } from "../../testing/assert.ts";
import { parseGroup, parsePasswd, parseShadow } from "../../core/host/accounts.ts";
import { encodeUtmp, parseUtmp, UT } from "./_lib.ts";
import usersTable from "./users.ts";
import groupsTable from "./groups.ts";
import userGroupsTable from "./user_groups.ts";
import shadowTable, { passwordStatus } from "./shadow.ts";
import loggedInUsersTable from "./logged_in_users.ts";
import lastTable from "./last.ts";
import { fixtureHost, tableEngine, testdata } from "../../testing/table_engine.ts";
import { Engine } from "../../core/engine.ts";
import "./mod.ts";

/** The fixture tree testdata/users/root, read as uid 0. */
const ROOT = fixtureHost(testdata("users", "root"));

Deno.test("users: live host has root as uid 0 with gid 0 and an empty uuid", () => {
  const rows = new Engine().query("select uid, gid, uid_signed, username, uuid from users where uid = 0");
  assert(rows.length >= 1);
  assertEquals(rows[0], { uid: 0, gid: 0, uid_signed: 0, username: "root", uuid: "" });
});

Deno.test("users: live username = 'root' finds uid 0", () => {
  const rows = new Engine().query("select uid from users where username = 'root'");
  assertEquals(rows.map((r) => r.uid), [0]);
});

Deno.test("users: fixture passwd skips comments and malformed lines; a NIS line is a row, as glibc returns it", () => {
  const e = tableEngine([usersTable], ROOT);
  const names = e.query("select username from users").map((r) => r.username);
  assertEquals(names, ["root", "daemon", "alice", "bob", "+nisuser", "nobody", "neg", "alice2"]);
});

Deno.test("users: columns carry ids, signed ids, GECOS, home and shell", () => {
  const e = tableEngine([usersTable], ROOT);
  const [alice] = e.query("select * from users where username = 'alice'");
  assertEquals(alice, {
    uid: 1000,
    gid: 1000,
    uid_signed: 1000,
    gid_signed: 1000,
    username: "alice",
    description: "Alice Example,,,",
    directory: "/home/alice",
    shell: "/bin/bash",
    uuid: "",
  });
  const [neg] = e.query("select uid, uid_signed, gid_signed from users where username = 'neg'");
  assertEquals(neg, { uid: 4294967294, uid_signed: -2, gid_signed: -2 });
});

Deno.test("users: uid = and uid IN return every entry with those uids", () => {
  const e = tableEngine([usersTable], ROOT);
  assertEquals(e.query("select username from users where uid = 1000").map((r) => r.username), ["alice", "alice2"]);
  assertEquals(
    e.query("select username from users where uid in (0, 1001) order by uid, username").map((r) => r.username),
    [
      "+nisuser",
      "root",
      "bob",
    ],
  );
  assertEquals(e.query("select username from users where uid = 424242"), []);
});

Deno.test("users: include_remote = 1 keeps the local rows", () => {
  const e = tableEngine([usersTable], ROOT);
  assertEquals(e.query("select count(*) as n from users where include_remote = 1")[0].n, 8);
});

Deno.test("users: a missing passwd file gives zero rows", () => {
  const e = tableEngine([usersTable], fixtureHost("/nonexistent-root"));
  assertEquals(e.query("select * from users"), []);
});

Deno.test("parsePasswd: a shell containing colons is kept whole; missing trailing fields are empty; odd lines skipped", () => {
  const rows = parsePasswd("a:x:1:2:g:/h:/bin/sh:extra\n\n  \n#c\nb:x:-1:2:g:/h:/s\nc:x:1:2:g:/h\nd:x:1\n");
  assertEquals(rows.map((r) => [r.username, r.shell]), [["a", "/bin/sh:extra"], ["c", ""]]);
});

Deno.test("groups: fixture groups, first entry per gid, malformed lines skipped", () => {
  const e = tableEngine([groupsTable], ROOT);
  assertEquals(e.query("select gid, groupname from groups").map((r) => `${r.gid}:${r.groupname}`), [
    "0:root",
    "1:daemon",
    "27:sudo",
    "1000:alice",
    "1001:bob",
    "2000:devs",
    "65534:nogroup",
    "10:wheel",
  ]);
  assertEquals(e.query("select groupname, gid_signed from groups where gid = 27"), [
    { groupname: "sudo", gid_signed: 27 },
  ]);
});

Deno.test("groups: live host has gid 0", () => {
  const rows = new Engine().query("select gid from groups where gid = 0");
  assertEquals(rows, [{ gid: 0 }]);
});

Deno.test("parseGroup: members are trimmed and empty members dropped", () => {
  assertEquals(parseGroup("g:x:5:a, b,,c\n")[0].members, ["a", "b", "c"]);
});

Deno.test("user_groups: primary gid first, then memberships in file order, no duplicates", () => {
  const e = tableEngine([userGroupsTable], ROOT);
  assertEquals(e.query("select gid from user_groups where uid = 1000").map((r) => r.gid), [1000, 27, 2000, 10]);
  assertEquals(e.query("select gid from user_groups where uid = 1001").map((r) => r.gid), [1001, 27, 2000, 10]);
  // One scan per uid: alice2 shares uid 1000 and is not listed again.
  assertEquals(e.query("select count(*) as n from user_groups where uid = 1000")[0].n, 4);
  assertEquals(e.query("select count(distinct uid) as n from user_groups")[0].n, 6);
});

Deno.test("user_groups: live root belongs to gid 0", () => {
  const rows = new Engine().query("select gid from user_groups where uid = 0");
  assert(rows.some((r) => r.gid === 0));
});

Deno.test("shadow: password status words and hash algorithms as osquery reads them", () => {
  assertEquals(passwordStatus("!!"), { status: "not_set", hashAlg: null });
  assertEquals(passwordStatus("!$6$a$b"), { status: "locked", hashAlg: null });
  assertEquals(passwordStatus("*"), { status: "locked", hashAlg: null });
  assertEquals(passwordStatus("x"), { status: "locked", hashAlg: null });
  assertEquals(passwordStatus(""), { status: "empty", hashAlg: null });
  assertEquals(passwordStatus("$y$j9T$s$h"), { status: "active", hashAlg: "y" });
});

Deno.test("shadow: fixture rows, empty numbers as -1, malformed lines skipped", () => {
  const e = tableEngine([shadowTable], ROOT);
  const rows = e.query("select username, password_status, hash_alg from shadow");
  assertEquals(rows.map((r) => r.username), ["root", "daemon", "alice", "bob", "locked", "empty", "oldform"]);
  const [alice] = e.query("select * from shadow where username = 'alice'");
  assertEquals(alice, {
    password_status: "active",
    hash_alg: "y",
    last_change: 19500,
    min: 1,
    max: 90,
    warning: 14,
    inactive: 30,
    expire: 20000,
    flag: -1,
    username: "alice",
  });
  const [bob] = e.query("select password_status, min, expire from shadow where username = 'bob'");
  assertEquals(bob, { password_status: "not_set", min: -1, expire: -1 });
  const [old] = e.query("select last_change, flag from shadow where username = 'oldform'");
  assertEquals(old, { last_change: -1, flag: -1 });
});

Deno.test("parseShadow: wrong field counts and non-numbers are skipped", () => {
  assertEquals(parseShadow("a:x:1:2:3\nb:x:1:2:3:4:5:6:7:8\nc:x:q:::::\n"), []);
});

Deno.test("shadow: live root entry exists when /etc/shadow is readable", () => {
  const rows = new Engine().query("select username from shadow where username = 'root'");
  let readable = true;
  try {
    Deno.readFileSync("/etc/shadow");
  } catch {
    readable = false;
  }
  assertEquals(rows.length, readable ? 1 : 0);
});

const sessions = [
  { type: UT.BOOT_TIME, pid: 0, line: "~", user: "reboot", host: "6.1.0", time: 1700000000 },
  { type: UT.INIT_PROCESS, pid: 1, line: "", user: "", host: "", time: 1700000001 },
  { type: UT.LOGIN_PROCESS, pid: 612, line: "tty1", id: "tty1", user: "LOGIN", time: 1700000002 },
  { type: UT.USER_PROCESS, pid: 4242, line: "pts/0", id: "ts/0", user: "alice", host: "10.0.0.5", time: 1700000100 },
  { type: UT.DEAD_PROCESS, pid: 4242, line: "pts/0", id: "ts/0", user: "", host: "", time: 1700000200 },
  { type: 42, pid: 99, line: "x", user: "odd", time: 5 },
];

Deno.test("utmp: records round-trip through the 384-byte layout; a partial trailing record is ignored", () => {
  const bytes = encodeUtmp(sessions);
  assertEquals(bytes.length, 384 * sessions.length);
  const truncated = new Uint8Array(bytes.length + 100);
  truncated.set(bytes);
  const parsed = parseUtmp(truncated);
  assertEquals(parsed.length, sessions.length);
  assertEquals(parsed[3].user, "alice");
  assertEquals(parsed[3].host, "10.0.0.5");
  assertEquals(parsed[3].line, "pts/0");
  assertEquals(parsed[3].time, 1700000100);
  assertEquals(parseUtmp(new Uint8Array(100)), []);
});

Deno.test("utmp: a full-width user name without a NUL terminator is read whole", () => {
  const long = "u".repeat(32);
  assertEquals(parseUtmp(encodeUtmp([{ type: UT.USER_PROCESS, user: long, line: "l".repeat(32) }]))[0].user, long);
});

Deno.test("logged_in_users and last: fixture utmp/wtmp written by the test", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.mkdirSync(`${dir}/var/run`, { recursive: true });
    Deno.mkdirSync(`${dir}/var/log`, { recursive: true });
    Deno.writeFileSync(`${dir}/var/run/utmp`, encodeUtmp(sessions));
    Deno.writeFileSync(`${dir}/var/log/wtmp`, encodeUtmp(sessions));
    const e = tableEngine([loggedInUsersTable, lastTable], fixtureHost(dir));
    assertEquals(e.query("select type, user, tty, host, time, pid from logged_in_users"), [
      { type: "boot_time", user: "reboot", tty: "~", host: "6.1.0", time: 1700000000, pid: 0 },
      { type: "login", user: "LOGIN", tty: "tty1", host: "", time: 1700000002, pid: 612 },
      { type: "user", user: "alice", tty: "pts/0", host: "10.0.0.5", time: 1700000100, pid: 4242 },
      { type: "dead", user: "", tty: "pts/0", host: "", time: 1700000200, pid: 4242 },
      { type: "unknown", user: "odd", tty: "x", host: "", time: 5, pid: 99 },
    ]);
    assertEquals(e.query("select username, tty, pid, type, type_name, time, host from last"), [
      {
        username: "alice",
        tty: "pts/0",
        pid: 4242,
        type: 7,
        type_name: "user-process",
        time: 1700000100,
        host: "10.0.0.5",
      },
      { username: "", tty: "pts/0", pid: 4242, type: 8, type_name: "dead-process", time: 1700000200, host: "" },
    ]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("logged_in_users and last: missing files give zero rows; live tables run", () => {
  const e = tableEngine([loggedInUsersTable, lastTable], fixtureHost("/nonexistent"));
  assertEquals(e.query("select * from logged_in_users"), []);
  assertEquals(e.query("select * from last"), []);
  const live = new Engine();
  for (const r of live.query("select type, pid from logged_in_users")) assert(r.pid !== 1);
  for (const r of live.query("select type from last")) assert(r.type === 7 || r.type === 8);
});

Deno.test("osquery text defaults: unset TEXT columns read as '' and numeric ones stay NULL", () => {
  const e = tableEngine([shadowTable, usersTable], ROOT);
  assertEquals(e.query("select hash_alg from shadow where username = 'daemon'"), [{ hash_alg: "" }]);
  assertEquals(e.query("select count(*) as n from shadow where hash_alg = ''")[0].n, 5);
  assertEquals(e.query("select type, is_hidden from users where username = 'root'"), [{ type: "", is_hidden: null }]);
});
