import "./carves.ts";
import "../files/file.ts";
import { Engine } from "../../core/engine.ts";
import { flags } from "../../core/flags/flags.ts";
import { carveStore } from "../../core/carver/carves.ts";
import { assert, assertEquals, assertMatch } from "../../testing/assert.ts";

function withFlags(values: Record<string, boolean>, body: () => void): void {
  const previous = Object.fromEntries(Object.keys(values).map((k) => [k, flags.bool(k)]));
  for (const [k, v] of Object.entries(values)) flags.set(k, v);
  try {
    body();
  } finally {
    for (const [k, v] of Object.entries(previous)) flags.set(k, v);
  }
}

Deno.test("carves: with the carver disabled (the default) carve = 1 records nothing", () => {
  const engine = new Engine();
  const before = carveStore.list().length;
  engine.query("select * from carves where path = '/etc/hostname' and carve = 1");
  assertEquals(carveStore.list().length, before);
});

Deno.test("carves: carve = 1 with a LIKE pattern schedules one carve of the matching files and returns it", () => {
  withFlags({ disable_carver: false }, () => {
    const engine = new Engine();
    const rows = engine.query("select * from carves where path like '/etc/host%' and carve = 1");
    assertEquals(rows.length, 1);
    const row = rows[0];
    assertEquals(row.status, "SCHEDULED");
    assertEquals(row.size, -1);
    assert(String(row.path).split(",").includes("/etc/hostname"), String(row.path));
    assertMatch(String(row.carve_guid), /^[0-9a-f-]{36}$/);
    // Listed afterwards, no longer marked as the new request.
    const listed = engine.query(`select carve, status from carves where carve_guid = '${row.carve_guid}'`);
    assertEquals(listed, [{ carve: 0, status: "SCHEDULED" }]);
    carveStore.delete(String(row.carve_guid));
  });
});

Deno.test("carves: carve = 1 without a path schedules nothing", () => {
  withFlags({ disable_carver: false }, () => {
    const before = carveStore.list().length;
    new Engine().query("select * from carves where carve = 1");
    assertEquals(carveStore.list().length, before);
  });
});

Deno.test("carve(): the aggregate requests one carve of every path when the function is enabled", () => {
  const engine = new Engine();
  assertEquals(engine.query("select carve(path) r from file where path = '/etc/hostname'"), [{
    r: "Carve Failed: function disabled",
  }]);
  withFlags({ carver_disable_function: false }, () => {
    const [{ r }] = engine.query("select carve(path) r from file where path in ('/etc/hostname', '/etc/hosts')");
    const guid = /^Carve Started: (.+)$/.exec(String(r))?.[1];
    assert(guid, String(r));
    assertEquals(carveStore.get(guid)!.path, "/etc/hostname,/etc/hosts");
    carveStore.delete(guid);
    assertEquals(engine.query("select carve(path) r from file where path = '/nonexistent'"), [{
      r: "Carve Failed: no paths to carve",
    }]);
  });
});
