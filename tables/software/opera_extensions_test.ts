import { assertEquals } from "../../testing/assert.ts";
import operaExtensionsTable from "./opera_extensions.ts";
import usersTable from "../users/users.ts";
import { fixtureHost, tableEngine, testdata } from "../../testing/table_engine.ts";

Deno.test("opera_extensions: osquery 4's columns for Opera profiles, joined with users as packs do", () => {
  const e = tableEngine([operaExtensionsTable, usersTable], fixtureHost(testdata("software", "root")));
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
    path: "/home/olivia/.config/opera/Extensions/operaoperaoperaoperaoperaoperaop/3.1_0",
  }]);
});
