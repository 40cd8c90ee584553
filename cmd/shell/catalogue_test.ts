import { assert, assertEquals } from "../../testing/assert.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

Deno.test("the shell loads the table catalogue only for SQL that names a built-in table", async () => {
  // A fresh process: the catalogue registers into the process-wide registry once.
  const code = `
    import { loadCatalogueFor } from "${ROOT}cmd/shell/catalogue.ts";
    import { registry } from "${ROOT}core/registry.ts";
    const counts = [];
    await loadCatalogueFor("select 1, 'processes' as s, \\"x\\" -- users");
    counts.push(registry.tables().length);
    await loadCatalogueFor("SELECT pid FROM Processes");
    counts.push(registry.tables().length);
    console.log(JSON.stringify(counts));
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", "--no-lock", "--unstable-kv", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  const [before, after] = JSON.parse(new TextDecoder().decode(out.stdout));
  assertEquals(before, 0);
  assert(after > 100, `catalogue registered ${after} tables`);
});
