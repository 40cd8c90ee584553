import { assertEquals } from "../../testing/assert.ts";
import { Engine } from "../engine.ts";
import { Registry } from "../registry.ts";
import { defineTable, QueryContext } from "../table.ts";
import { fixtureHost, liveHost } from "./host.ts";

Deno.test("host: a fixture host maps absolute paths under its root and reports its own uid", () => {
  const host = fixtureHost("/srv/tree/", { uid: 1000 });
  assertEquals(host.path("/etc/passwd"), "/srv/tree/etc/passwd");
  assertEquals(host.path("etc/group"), "/srv/tree/etc/group");
  assertEquals(host.currentUid(), 1000);
  assertEquals(host.nameService, undefined);
});

Deno.test("host: a generator reads the engine's host through its context, the live host by default", () => {
  const registry = new Registry();
  registry.addTable(defineTable({
    name: "where_from",
    description: "The root the scan reads.",
    columns: [{ name: "root", type: "TEXT" }, { name: "uid", type: "INTEGER" }],
    generate: (ctx) => [{ root: ctx.host.path("/"), uid: ctx.host.currentUid() }],
  }));
  const fixture = new Engine({ registry, host: fixtureHost("/srv/tree", { uid: 7 }) });
  assertEquals(fixture.query("select root, uid from where_from"), [{ root: "/srv/tree/", uid: 7 }]);
  const live = new Engine({ registry });
  assertEquals(live.query("select root from where_from"), [{ root: "/" }]);
  assertEquals(new QueryContext("where_from").host, liveHost);
});
