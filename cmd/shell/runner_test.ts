import "./flags.ts";
import { assert, assertEquals, assertStringIncludes } from "../../testing/assert.ts";
import { Engine } from "../../core/engine.ts";
import { Registry } from "../../core/registry.ts";
import { defineFlag, flags } from "../../core/flags/flags.ts";
import { MemoryOutput } from "./output.ts";
import { Shell, SyncLineSource } from "./runner.ts";
import { metaCommand, metaTypes } from "./meta.ts";

defineFlag({ name: "enable_shell_test_feature", type: "bool", default: true, description: "A feature for this test." });

const registry = new Registry();
registry.addTable({
  name: "numbers",
  description: "Counts up to a limit given as n (default 5).",
  columns: [
    { name: "i", type: "INTEGER" },
    { name: "label", type: "TEXT" },
    { name: "n", type: "INTEGER", hidden: true, index: true },
  ],
  *generate(ctx) {
    const limit = ctx.integerEquals("n")[0] ?? 5;
    for (let i = 0; i < limit; i++) yield { i, label: i % 2 ? "odd" : null, n: limit };
  },
});

function shell(): { shell: Shell; out: MemoryOutput; engine: Engine } {
  const engine = new Engine({ registry });
  const out = new MemoryOutput();
  return { shell: new Shell(engine, out), out, engine };
}

function source(text: string): SyncLineSource {
  const bytes = new TextEncoder().encode(text);
  let done = false;
  return new SyncLineSource({
    readSync(p: Uint8Array): number | null {
      if (done) return null;
      done = true;
      p.set(bytes);
      return bytes.length;
    },
  });
}

Deno.test("runner: rows of a registered table stream through the printer", async () => {
  const { shell: s, out, engine } = shell();
  s.settings.mode = "list";
  s.settings.nullvalue = "-";
  // An unset TEXT column reads as "" (osquery's rule); NULL prints as the nullvalue.
  assertEquals(await s.exec("select i, label, nullif(label, '') as odd from numbers where n = 3"), { code: 0 });
  assertEquals(out.text(), "i|label|odd\n0||-\n1|odd|odd\n2||-\n");
  engine.close();
});

Deno.test("runner: a failing statement stops the text and reports SQLite's code and a hint", async () => {
  const { shell: s, out, engine } = shell();
  s.settings.mode = "list";
  const result = await s.exec("select 1 as a; select * from numbrs; select 2 as b;");
  assertEquals(result, { code: 1, error: "no such table: numbrs (did you mean numbers?)" });
  assertEquals(out.text(), "a\n1\n");
  engine.close();
});

Deno.test("runner: piped input runs statement by statement and returns 1 after a failure", async () => {
  const { shell: s, out, engine } = shell();
  s.settings.mode = "list";
  const meta = (line: string) => metaCommand(s, line);
  const types = (sql: string) => metaTypes(s, sql);
  const rc = await s.processInput(
    source("select 1 as a;\n.mode csv\nselect count(*) as c\nfrom numbers;\nselect x;\n"),
    meta,
    types,
  );
  assertEquals(rc, 1);
  assertEquals(out.text(), "a\n1\nc\r\n5\r\n");
  engine.close();
});

Deno.test("runner: .features lists boolean disable_/enable_ flags; .show lists shell settings", async () => {
  const { shell: s, out, engine } = shell();
  assertEquals(await metaCommand(s, ".features"), 0);
  assertStringIncludes(out.text(), "enable_shell_test_feature: true\n");
  assert(!out.text().includes("nullvalue:"), "only boolean feature flags");
  const show = shell();
  show.shell.settings.separator = "\t";
  assertEquals(await metaCommand(show.shell, ".show"), 0);
  const text = show.out.text();
  assertStringIncludes(text, "\nShell settings:\n         echo: off\n      headers: on\n         mode: pretty\n");
  assertStringIncludes(text, '    separator: "\\t"\n');
  assertStringIncludes(text, "Non-default flags/options:\n");
  engine.close();
  show.engine.close();
});

Deno.test("runner: .tables and .schema follow osquery's formats", async () => {
  const { shell: s, engine } = shell();
  const out = new MemoryOutput("stdout");
  s.out = out;
  assertEquals(await metaCommand(s, ".tables num"), 0);
  assertEquals(await metaCommand(s, ".schema numbers"), 0);
  assertEquals(
    out.text(),
    "  => numbers\nCREATE TABLE numbers(`i` INTEGER, `label` TEXT, `n` INTEGER HIDDEN, PRIMARY KEY (`n`)) WITHOUT ROWID;\n",
  );
  engine.close();
});

Deno.test("runner: the startup mode follows osqueryi's flag precedence; --csv means commas", async () => {
  flags.set("csv", true);
  flags.set("json", true);
  try {
    const { shell: s, engine } = shell();
    assertEquals([s.settings.mode, s.settings.json, s.settings.separator], ["csv", "json", ","]);
    engine.close();
  } finally {
    flags.set("csv", false);
    flags.set("json", false);
  }
  await Promise.resolve();
});

Deno.test("runner: .timer on prints osqueryi's Run Time line after each statement", async () => {
  const { shell: s, out, engine } = shell();
  const stdout = new MemoryOutput("stdout");
  s.out = stdout;
  s.settings.mode = "list";
  const rc = await s.processInput(
    source(".timer on\nselect 1 as a;\n"),
    (line) => metaCommand(s, line),
    (sql) => metaTypes(s, sql),
  );
  assertEquals(rc, 0);
  const text = stdout.text();
  assert(/^a\n1\nRun Time: real \d+\.\d{3} user \d+\.\d{6} sys \d+\.\d{6}\n$/.test(text), JSON.stringify(text));
  assertEquals(out.text(), "");
  engine.close();
});

Deno.test("runner: values longer than the copy scratch area and than the output buffer print whole", async () => {
  const { shell: s, out, engine } = shell();
  s.settings.mode = "list";
  await s.exec("select replace(hex(zeroblob(200)), '0', 'x') as a, replace(hex(zeroblob(600000)), '0', 'é') as b");
  assertEquals(out.text(), "a|b\n" + "x".repeat(400) + "|" + "é".repeat(1_200_000) + "\n");
  engine.close();
});
