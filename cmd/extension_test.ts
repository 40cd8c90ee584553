import { assertEquals, assertRejects } from "../testing/assert.ts";
import { loadExtensionModule, translateArgs } from "./extension.ts";
import { ExtensionStartError } from "../sdk/mod.ts";

Deno.test("osq extension: osquery's extension-side flag names map to the long ones; --verbose is taken", () => {
  assertEquals(
    translateArgs([
      "--verbose",
      "--socket",
      "/s.em",
      "--timeout=4",
      "-interval",
      "2",
      "--extensions_require=x",
      "m.ts",
    ]),
    {
      args: [
        "--extensions_socket",
        "/s.em",
        "--extensions_timeout=4",
        "--extensions_interval",
        "2",
        "--extensions_require=x",
        "m.ts",
      ],
      verbose: true,
      help: false,
      version: false,
    },
  );
  assertEquals(translateArgs(["--help"]).help, true);
  assertEquals(translateArgs(["--version"]).version, true);
});

Deno.test("osq extension: a module exporting one table becomes an extension named after it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/table.ts`,
      'export default { name: "only_table", description: "", columns: [{ name: "a", type: "TEXT" }], generate: () => [] };',
    );
    const definition = await loadExtensionModule(`${dir}/table.ts`);
    assertEquals([definition.name, definition.tables?.map((t) => t.name)], ["only_table", ["only_table"]]);
    await Deno.writeTextFile(`${dir}/nothing.ts`, "export const x = 1;");
    await assertRejects(() => loadExtensionModule(`${dir}/nothing.ts`), ExtensionStartError, "does not export");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
