import { assert, assertEquals } from "../../testing/assert.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

/** The process-wide registry's table names after each loadCatalogueFor(sql), in a fresh process. */
async function tablesAfter(statements: string[]): Promise<string[][]> {
  const code = `
    import { loadCatalogueFor } from "${ROOT}cmd/shell/catalogue.ts";
    import { registry } from "${ROOT}core/registry.ts";
    const seen = [];
    for (const sql of ${JSON.stringify(statements)}) {
      await loadCatalogueFor(sql);
      seen.push(registry.tables().map((t) => t.name));
    }
    console.log(JSON.stringify(seen));
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", "--no-lock", "--unstable-kv", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

Deno.test("the shell loads only the built-in tables a statement names, by name or alias in any case", async () => {
  const [none, some, more, alias] = await tablesAfter([
    `select 1, 'processes' as s, "x" -- users`,
    "SELECT pid FROM Processes",
    "select * from processes join hash using (path)",
    "select * from HOSTS",
  ]);
  assertEquals(none, []);
  assertEquals(some, ["processes"]);
  assertEquals(more, ["hash", "processes"]);
  assertEquals(alias, ["etc_hosts", "hash", "processes"]);
});

Deno.test("the shell registers every table for pragmas that name tables in strings and for osquery_registry", async () => {
  for (const sql of ["select name from pragma_table_info('users')", "select * from osquery_registry"]) {
    const [tables] = await tablesAfter([sql]);
    assert(tables.length > 100, `${sql}: ${tables.length} tables`);
  }
});
