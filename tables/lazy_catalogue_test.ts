import { assert, assertEquals } from "../testing/assert.ts";
import { Registry, sqlIdentifiers } from "../core/registry.ts";
import { loadTable, TABLE_SCHEMA_TEXT, tableSchema } from "./schemas.ts";
import { isBuiltInTableName } from "./table_names.ts";

const ROOT = new URL("..", import.meta.url).pathname;

Deno.test("the generated schema catalogue equals every table module's spec (regenerate with scripts/gen_table_catalogue.ts)", async () => {
  // The lazy catalogue registers placeholders; the eager one then supplies every generator.
  await import("./lazy_catalogue.ts");
  await import("./catalogue.ts");
  const { registry } = await import("../core/registry.ts");
  const TABLE_SCHEMAS = Object.keys(TABLE_SCHEMA_TEXT).map((name) => tableSchema(name)!);
  const names = TABLE_SCHEMAS.map((s) => s.name);
  // Every table's loader imports a module (the eager catalogue has imported them all already).
  await Promise.all(names.map((name) => loadTable(name)));
  await loadTable("no_such_table").then(
    () => assert(false, "expected an error"),
    (e: Error) => assert(e instanceof RangeError),
  );
  for (const schema of TABLE_SCHEMAS) {
    const spec = registry.implementation(schema.name);
    assert(spec !== undefined, `table ${schema.name}: its module did not register it`);
    const { generate: _g, ...data } = spec;
    assertEquals(JSON.parse(JSON.stringify(data)), schema, `table ${schema.name}: tables/schemas.ts is stale`);
  }
  assertEquals(registry.tables().filter((t) => registry.isPending(t.name)), []);
});

Deno.test("a lazily registered table loads its module when a statement names it, and only then", async () => {
  const reg = new Registry();
  let loads = 0;
  const schema = { name: "demo", description: "demo", columns: [{ name: "x", type: "INTEGER" as const }] };
  reg.addLazyTable(schema, () => {
    loads++;
    reg.resolveLazyTable({ ...schema, generate: () => [{ x: 7 }] });
    return Promise.resolve();
  });
  assert(reg.isPending("demo"));
  await reg.loadTablesFor("select 'demo', x from other -- demo\n");
  assertEquals(loads, 0);
  await reg.loadTablesFor('select x from "demo"');
  assertEquals(loads, 1);
  await reg.loadTablesFor("select x from demo");
  assertEquals(loads, 1);
  assertEquals([...reg.table("demo")!.generate(new (await import("../core/table.ts")).QueryContext("demo"))], [{
    x: 7,
  }]);
});

Deno.test("scanning a table whose module was not loaded names the table and what to do", async () => {
  const reg = new Registry();
  reg.addLazyTable({ name: "late", description: "late", columns: [] }, () => Promise.resolve());
  const { QueryContext, TableError } = await import("../core/table.ts");
  let err: unknown;
  try {
    reg.table("late")!.generate(new QueryContext("late"));
  } catch (e) {
    err = e;
  }
  assert(err instanceof TableError);
  assert(err.message.includes("late") && err.message.includes("loadTablesFor"));
  // A loader whose module does not register the table is an error, not a silent empty table.
  await reg.loadTables(["late"]).then(
    () => assert(false, "expected an error"),
    (e: Error) => assert(e.message.includes("did not register")),
  );
});

Deno.test("a deferred schema is parsed at the first read of a field, once, and then reads as plain data", async () => {
  const reg = new Registry();
  let parses = 0;
  const schema = {
    name: "later",
    aliases: ["later_alias"],
    description: "later",
    columns: [{ name: "x", type: "INTEGER" as const }],
    event: true,
  };
  let loads = 0;
  reg.addDeferredTable("later", ["later_alias"], {
    fields: ["description", "columns", "event", "thread"],
    parse: (name) => {
      parses++;
      assertEquals(name, "later");
      return structuredClone(schema);
    },
    load: (name) => {
      loads++;
      assertEquals(name, "later");
      return Promise.resolve();
    },
  });
  const spec = reg.table("later_alias")!;
  assertEquals([spec.name, spec.aliases, parses], ["later", ["later_alias"], 0]);
  assertEquals(spec.columns, schema.columns);
  assertEquals(parses, 1);
  assertEquals([spec.description, spec.event, spec.thread, parses], ["later", true, undefined, 1]);
  const { generate: _g, ...data } = spec;
  assertEquals(data, schema);
  assertEquals(Object.keys(spec).includes("thread"), false);
  await reg.loadTablesFor("select * from later_alias").then(() => assert(false, "expected an error"), () => {});
  assertEquals(loads, 1);
});

Deno.test("sqlIdentifiers skips strings and comments and reads quoted names", () => {
  assertEquals(
    [...sqlIdentifiers(`SELECT a.b, 'users' FROM [processes] p /* groups */ JOIN "x""y" -- z\n JOIN \`q\` WHERE 1e3`)],
    ["SELECT", "a", "b", "FROM", "processes", "p", "JOIN", 'x"y', "q", "WHERE"],
  );
});

Deno.test("osq shell 'select 1' loads no table module", async () => {
  const code = `
    import "${ROOT}tables/lazy_catalogue.ts";
    import { registry } from "${ROOT}core/registry.ts";
    import { Engine } from "${ROOT}core/engine.ts";
    const engine = new Engine();
    await registry.loadTablesFor("select 1");
    engine.query("select 1");
    const pending = registry.tables().filter((t) => registry.isPending(t.name)).length;
    await registry.loadTablesFor("select pid from processes where pid = 1");
    const after = registry.tables().filter((t) => registry.isPending(t.name)).length;
    console.log(JSON.stringify({ total: registry.tables().length, pending, after, rows: engine.query("select count(*) n from processes where pid = 1")[0].n }));
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", "--no-lock", "--unstable-kv", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert(out.success, new TextDecoder().decode(out.stderr));
  const result = JSON.parse(text);
  assertEquals(result.pending, result.total);
  assert(result.after < result.total && result.after >= result.total - 3, text);
  assertEquals(result.rows, 1);
});

Deno.test("a stale schema is replaced by the module's own spec when the module loads", async () => {
  const reg = new Registry();
  const events: string[] = [];
  reg.onTableChange((event, table) => events.push(`${event} ${table.name} ${table.columns.length}`));
  const stale = { name: "grown", description: "d", columns: [{ name: "a", type: "TEXT" as const }] };
  const current = { ...stale, columns: [...stale.columns, { name: "b", type: "TEXT" as const }] };
  reg.addLazyTable(stale, () => {
    reg.resolveLazyTable({ ...current, generate: () => [{ a: "x", b: "y" }] });
    return Promise.resolve();
  });
  await reg.loadTables(["grown"]);
  assertEquals(reg.table("grown")!.columns.map((c) => c.name), ["a", "b"]);
  assertEquals(events, ["add grown 1", "remove grown 1", "add grown 2"]);
  // An up-to-date schema keeps its placeholder (no detach/attach churn in open engines).
  const same = new Registry();
  let changes = 0;
  same.onTableChange(() => changes++);
  same.addLazyTable(stale, () => (same.resolveLazyTable({ ...stale, generate: () => [] }), Promise.resolve()));
  await same.loadTables(["grown"]);
  assertEquals(changes, 1);
});

Deno.test("table_names.ts knows exactly the catalogue's names and aliases, in any case (regenerate with scripts/gen_table_catalogue.ts)", () => {
  const names = Object.keys(TABLE_SCHEMA_TEXT).flatMap((name) => [name, ...(tableSchema(name)!.aliases ?? [])]);
  for (const name of names) assert(isBuiltInTableName(name) && isBuiltInTableName(name.toUpperCase()), name);
  const text = Deno.readTextFileSync(new URL("./table_names.ts", import.meta.url));
  const listed = text.match(/const NAMES =\s*"([^"]*)"/)![1].trim().split(" ");
  assertEquals(listed, names.map((n) => n.toLowerCase()).sort());
  for (const other of ["select", "pid", "processes pid", "", " "]) assert(!isBuiltInTableName(other), other);
});
