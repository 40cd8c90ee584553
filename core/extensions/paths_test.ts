import { assert, assertEquals, assertMatch } from "../../testing/assert.ts";
import { flags } from "../flags/flags.ts";
import { ThriftServer } from "../thrift/server.ts";
import "./flags.ts";
import { shellExtensionsSocket } from "./paths.ts";

Deno.test("paths: the shell serves <home>/shell.em, or a suffixed name when another shell has it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assertEquals(shellExtensionsSocket(dir), `${dir}/shell.em`);
    const other = ThriftServer.listen(`${dir}/shell.em`, {});
    try {
      assertMatch(shellExtensionsSocket(dir), new RegExp(`^${dir}/shell\\.em\\d+$`));
    } finally {
      await other.close();
    }
    // A stale socket file is reused (removed first).
    const stale = Deno.listen({ transport: "unix", path: `${dir}/shell.em` });
    stale.close();
    assertEquals(shellExtensionsSocket(dir), `${dir}/shell.em`);
    // An explicit --extensions_socket wins.
    flags.set("extensions_socket", `${dir}/mine.em`, "cli");
    assertEquals(shellExtensionsSocket(dir), `${dir}/mine.em`);
  } finally {
    flags.set("extensions_socket", "/var/osquery/osquery.em", "default");
    assert(flags.isDefault("extensions_socket"));
    await Deno.remove(dir, { recursive: true });
  }
});
