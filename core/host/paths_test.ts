import { assertEquals } from "../../testing/assert.ts";
import { directoryOf } from "./paths.ts";

Deno.test("directoryOf: the directory holding a path, / at the root and . for a bare name, as dirname says", () => {
  assertEquals(directoryOf("/var/osquery/osquery.db"), "/var/osquery");
  assertEquals(directoryOf("/osquery.db"), "/");
  assertEquals(directoryOf("osquery.db"), ".");
  assertEquals(directoryOf("db/osquery.db"), "db");
});
