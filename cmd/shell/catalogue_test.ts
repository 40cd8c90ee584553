import { assert, assertEquals } from "../../testing/assert.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

/** Table counts of the process-wide registry after each loadCatalogueFor(sql), in a fresh process. */
async function countsAfter(statements: string[]): Promise<number[]> {
  const code = `
    import { loadCatalogueFor } from "${ROOT}cmd/shell/catalogue.ts";
    import { registry } from "${ROOT}core/registry.ts";
    const counts = [];
    for (const sql of ${JSON.stringify(statements)}) {
      await loadCatalogueFor(sql);
      counts.push(registry.tables().length);
    }
    console.log(JSON.stringify(counts));
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", "--no-lock", "--unstable-kv", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

Deno.test("the shell loads the table catalogue only for SQL that names a built-in table", async () => {
  const [before, after] = await countsAfter([`select 1, 'processes' as s, "x" -- users`, "SELECT pid FROM Processes"]);
  assertEquals(before, 0);
  assert(after > 100, `catalogue registered ${after} tables`);
});

Deno.test("the shell loads the table catalogue for pragmas that name tables in strings", async () => {
  const [count] = await countsAfter(["select name from pragma_table_info('users')"]);
  assert(count > 100, `catalogue registered ${count} tables`);
});
