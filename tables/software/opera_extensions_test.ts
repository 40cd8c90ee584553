import { assertEquals } from "../../testing/assert.ts";
import { operaExtensionsTable } from "./opera_extensions.ts";
import type { PasswdEntry } from "./_lib.ts";
import { engineWith, fixture, fixtureUsers, fixtureUsersTable } from "./software_test_helpers.ts";

const users: PasswdEntry[] = [
  { username: "root", uid: 0, gid: 0, directory: "/nonexistent-root-home", shell: "/bin/sh" },
  { username: "olivia", uid: 1002, gid: 1002, directory: fixture("home/olivia"), shell: "/bin/sh" },
];

Deno.test("opera_extensions: osquery 4's columns for Opera profiles, joined with users as packs do", () => {
  const e = engineWith(operaExtensionsTable(fixtureUsers(users, 0)), fixtureUsersTable(users));
  const rows = e.query("select opera_extensions.* from users join opera_extensions using (uid)");
  assertEquals(rows, [{
    uid: 1002,
    name: "Opera Ad Blocker",
    identifier: "operaoperaoperaoperaoperaoperaop",
    version: "3.1",
    description: "Blocks ads in Opera.",
    locale: "en",
    update_url: "https://extension-updates.opera.com/api/omaha/update/",
    author: "Opera Software",
    persistent: 1,
    path: fixture("home/olivia/.config/opera/Extensions/operaoperaoperaoperaoperaoperaop/3.1_0"),
  }]);
});
