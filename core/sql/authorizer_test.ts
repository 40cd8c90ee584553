import { Engine } from "../engine.ts";
import { Registry } from "../registry.ts";
import { assertEquals, assertThrows } from "../../testing/assert.ts";
import { SqliteError } from "../sqlite/database.ts";

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("authorizer: ATTACH, VACUUM INTO and load_extension are refused and create no file", () => {
  const dir = Deno.makeTempDirSync();
  const e = new Engine({ registry: new Registry() });
  assertThrows(() => e.query(`attach '${dir}/x.db' as x`), SqliteError, "ATTACH is not allowed");
  assertThrows(() => e.query(`vacuum into '${dir}/y.db'`), SqliteError, "not allowed");
  assertThrows(() => e.query("select load_extension('/tmp/evil.so')"), SqliteError, "load_extension is not allowed");
  assertThrows(() => e.query("pragma temp_store_directory = '/tmp'"), SqliteError, "is not allowed");
  assertEquals(exists(`${dir}/x.db`), false);
  assertEquals(exists(`${dir}/y.db`), false);
  Deno.removeSync(dir, { recursive: true });
  e.close();
});

Deno.test("authorizer: temp tables, views, CTEs and read-only pragmas still work", () => {
  const e = new Engine({ registry: new Registry() });
  e.query("create temp table notes(a); insert into notes values (1), (2)");
  e.query("create temp view v as select sum(a) s from notes");
  assertEquals(e.query("select s from v"), [{ s: 3 }]);
  assertEquals(
    e.query("with recursive c(x) as (select 1 union all select x + 1 from c where x < 4) select count(*) n from c"),
    [{ n: 4 }],
  );
  assertEquals(e.query("pragma table_info(notes)").length, 1);
  e.close();
});
