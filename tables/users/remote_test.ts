import { assert, assertEquals } from "../../testing/assert.ts";
import type { PasswdEntry } from "../../core/host/accounts.ts";
import usersTable from "./users.ts";
import groupsTable from "./groups.ts";
import userGroupsTable from "./user_groups.ts";
import authorizedKeysTable from "./authorized_keys.ts";
import { nssGroupByGid, nssGroupList, nssGroups, nssUserByName, nssUserByUid, nssUsers } from "../../core/host/nss.ts";
import { fixtureHost, tableEngine, testdata } from "../../testing/table_engine.ts";
import { Engine } from "../../core/engine.ts";
import "./mod.ts";

const ldapUser: PasswdEntry = {
  username: "ldapuser",
  password: "*",
  uid: 5000,
  gid: 5000,
  gecos: "Directory User",
  directory: "/home/ldap",
  shell: "/bin/bash",
};

/** The fixture root, with a fake name service that also knows one directory (LDAP) user. */
const host = fixtureHost(testdata("users", "root"), {
  nameService: {
    all: () => [ldapUser],
    byUid: (uid) => uid === ldapUser.uid ? ldapUser : undefined,
    byName: (name) => name === ldapUser.username ? ldapUser : undefined,
    groups: () => [{ groupname: "ldapgroup", gid: 5000, members: [] }, { groupname: "dup", gid: 5000, members: [] }],
    groupByGid: (gid) => gid === 5000 ? { groupname: "ldapgroup", gid: 5000, members: [] } : undefined,
    groupList: (name, gid) => name === "ldapuser" ? [gid, 27] : undefined,
  },
});

Deno.test("users: include_remote = 1 asks the name service instead of the local file", () => {
  const e = tableEngine([usersTable], host);
  assertEquals(e.query("select uid, username, include_remote from users where include_remote = 1"), [
    { uid: 5000, username: "ldapuser", include_remote: 1 },
  ]);
  assertEquals(e.query("select username from users where include_remote = 1 and uid = 5000"), [{
    username: "ldapuser",
  }]);
  assertEquals(e.query("select username from users where include_remote = 1 and username = 'nobody-here'"), []);
  // Without include_remote the directory user is not listed.
  assertEquals(e.query("select username from users where uid = 5000"), []);
});

Deno.test("authorized_keys: a uid missing from /etc/passwd is resolved through the name service", () => {
  const e = tableEngine([usersTable, authorizedKeysTable], host);
  assertEquals(e.query("select uid, key, key_file from authorized_keys where uid = 5000"), [
    { uid: 5000, key: "AAAAldap", key_file: "/home/ldap/.ssh/authorized_keys" },
  ]);
  assertEquals(e.query("select * from authorized_keys where uid = 5001"), []);
});

Deno.test("nss: the live name service knows root by uid and by name", () => {
  assertEquals(nssUserByUid(0)?.username, "root");
  assertEquals(nssUserByName("root")?.uid, 0);
  assertEquals(nssUserByUid(4_000_000_000), undefined);
  assert(nssUsers().some((u) => u.uid === 0 && u.directory !== ""));
  const rows = new Engine().query("select username from users where include_remote = 1 and uid = 0");
  assertEquals(rows, [{ username: "root" }]);
});

Deno.test("groups and user_groups: the name service answers when there is one", () => {
  const e = tableEngine([groupsTable, userGroupsTable], host);
  assertEquals(e.query("select gid, groupname from groups"), [{ gid: 5000, groupname: "ldapgroup" }]);
  assertEquals(e.query("select groupname from groups where gid = 5000"), [{ groupname: "ldapgroup" }]);
  assertEquals(e.query("select gid from user_groups where uid = 5000"), [{ gid: 5000 }, { gid: 27 }]);
  assertEquals(e.query("select count(*) as n from user_groups"), [{ n: 2 }]);
});

Deno.test("nss: live groups include gid 0 and root's group list starts with its primary gid", () => {
  assert(nssGroups().some((g) => g.gid === 0 && g.groupname === "root"));
  assertEquals(nssGroupByGid(0)?.groupname, "root");
  assertEquals(nssGroupList("root", 0)?.[0], 0);
  assertEquals(nssGroupList("no-such-user-osq", 12345), [12345]);
});
