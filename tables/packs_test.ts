/**
 * Every query of osquery's example packs that osquery schedules on Linux must prepare and run
 * here. Queries whose tables osq does not register yet are listed, and counted against the goal.
 */
import "./catalogue.ts";
import { Engine } from "../core/engine.ts";
import { registry } from "../core/registry.ts";
import { assertEquals } from "../testing/assert.ts";

interface PackQuery {
  pack: string;
  name: string;
  query: string;
  linux_applicable: boolean;
  tables_referenced: string[];
}

const packsPath = new URL("../testdata/reference/osquery-packs.json", import.meta.url);
const queries: PackQuery[] = JSON.parse(Deno.readTextFileSync(packsPath)).queries;
const linux = queries.filter((q) => q.linux_applicable);

Deno.test(`packs: every Linux pack query whose tables osq registers prepares and runs (${linux.length} in all)`, () => {
  const engine = new Engine();
  const failures: string[] = [];
  const pending = new Map<string, string[]>();
  let ran = 0;
  for (const q of linux) {
    const missing = q.tables_referenced.filter((t) => !registry.table(t));
    if (missing.length) {
      for (const t of missing) pending.set(t, [...(pending.get(t) ?? []), `${q.pack}/${q.name}`]);
      continue;
    }
    try {
      engine.query(q.query);
      ran++;
    } catch (err) {
      failures.push(`${q.pack}/${q.name}: ${(err as Error).message}`);
    }
  }
  engine.close();
  console.log(`packs: ${ran} of ${linux.length} Linux pack queries ran`);
  if (pending.size) console.log(`packs: tables not registered yet: ${[...pending.keys()].sort().join(", ")}`);
  assertEquals(failures, []);
});
