import { assertEquals } from "../../testing/assert.ts";
import { operaExtensionsTable } from "./opera_extensions.ts";
import type { PasswdEntry } from "./_lib.ts";
import { engineWith, fixture, fixtureUsers, fixtureUsersTable } from "./_testing.ts";

const users: PasswdEntry[] = [
  { username: "root", uid: 0, gid: 0, directory: "/nonexistent-root-home", shell: "/bin/sh" },
  { username: "bob", uid: 1001, gid: 1001, directory: fixture("home/bob"), shell: "/bin/sh" },
];

Deno.test("opera_extensions: osquery 4's columns for Opera profiles, joined with users as packs do", () => {
  const e = engineWith(operaExtensionsTable(fixtureUsers(users, 0)), fixtureUsersTable(users));
  const rows = e.query("select opera_extensions.* from users join opera_extensions using (uid)");
  assertEquals(rows, [{
    uid: 1001,
    name: "Opera Ad Blocker",
    identifier: "operaoperaoperaoperaoperaoperaop",
    version: "3.1",
    description: "Blocks ads in Opera.",
    locale: "en",
    update_url: "https://extension-updates.opera.com/api/omaha/update/",
    author: "Opera Software",
    persistent: 1,
    path: fixture("home/bob/.config/opera/Extensions/operaoperaoperaoperaoperaoperaop/3.1_0"),
  }]);
});
