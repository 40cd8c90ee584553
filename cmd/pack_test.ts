import "../tables/catalogue.ts";
import { Engine } from "../core/engine.ts";
import { Registry, registry } from "../core/registry.ts";
import { cannotReturnRows, lintFile } from "../core/config/lint.ts";
import { resolvePack } from "../plugins/config/filesystem.ts";
import { assert, assertEquals, assertMatch } from "../testing/assert.ts";

const packsDir = new URL("../testdata/packs/", import.meta.url).pathname;

function lint(name: string, engine: Engine) {
  const path = packsDir + name;
  return lintFile(path, Deno.readTextFileSync(path), engine, resolvePack);
}

Deno.test("pack lint: each seeded broken pack reports its defect, the clean pack none", () => {
  const engine = new Engine();
  const expected: Record<string, [string, string, RegExp][]> = {
    "clean.conf": [],
    "bad-json.conf": [["json", "(top level)", /:3:31$/]],
    "unknown-table.conf": [["unknown_table", "queries.procs.query", /did you mean "processes"/]],
    "unknown-column.conf": [["unknown_column", "queries.procs.query", /"nmae" in processes; did you mean "name"/]],
    "platform-table.conf": [["platform_table", "queries.launchd.query", /does not exist on Linux.*posix/]],
    "interval.conf": [["interval", "queries.zero.interval", /not 0/], [
      "interval",
      "queries.too_long.interval",
      /not 604801/,
    ]],
    "duplicate.conf": [["duplicate", "queries.same", /Duplicate query name "same"/]],
    "discovery.conf": [["discovery", "discovery[0]", /never return a row/]],
    "schema.conf": [["schema", "queries.no_sql", /needs a "query"/], ["schema", "queries.not_object", /not a string/]],
  };
  for (const [file, wants] of Object.entries(expected)) {
    const report = lint(file, engine);
    assertEquals(report.findings.map((f) => [f.code, f.path]), wants.map(([c, p]) => [c, p]), file);
    report.findings.forEach((f, i) => {
      const text = wants[i][2].source.endsWith("$") ? `${f.file}:${f.line}:${f.column}` : f.message;
      assertMatch(text, wants[i][2]);
    });
  }
  engine.close();
});

Deno.test("pack lint: an osquery table osq does not register is 'not implemented', not 'unknown'", () => {
  const small = new Registry();
  small.addTable(registry.table("osquery_info")!);
  const engine = new Engine({ registry: small });
  const path = packsDir + "clean.conf";
  const report = lintFile(path, Deno.readTextFileSync(path), engine);
  assertEquals(report.findings.map((f) => f.code), ["not_implemented", "not_implemented", "not_implemented"]);
  assertMatch(report.findings[0].message, /"processes" is an osquery Linux table not implemented by osq/);
  engine.close();
});

Deno.test("pack lint: discovery analysis tells impossible queries from merely selective ones", () => {
  const engine = new Engine();
  for (
    const sql of ["select 1 where 0", "select pid from processes where 1 = 2", "select pid from processes limit 0"]
  ) {
    assert(cannotReturnRows(engine, sql), sql);
  }
  for (
    const sql of ["select 1", "select pid from processes where name = 'nope'", "select * from users where uid = 0"]
  ) {
    assert(!cannotReturnRows(engine, sql), sql);
  }
  engine.close();
});

interface PackQuery {
  pack: string;
  name: string;
  query: string;
  interval: number | string;
  platform: string | null;
  pack_platform: string | null;
  version: string | null;
}

Deno.test("pack lint: every osquery example pack passes, apart from unregistered tables and the one table osquery dropped", () => {
  const url = new URL("../testdata/reference/osquery-packs.json", import.meta.url);
  const queries: PackQuery[] = JSON.parse(Deno.readTextFileSync(url)).queries;
  const packs = new Map<string, { platform?: string; queries: Record<string, unknown> }>();
  for (const q of queries) {
    const pack = packs.get(q.pack) ?? { ...(q.pack_platform ? { platform: q.pack_platform } : {}), queries: {} };
    pack.queries[q.name] = {
      query: q.query,
      interval: q.interval,
      ...(q.platform ? { platform: q.platform } : {}),
      ...(q.version ? { version: q.version } : {}),
    };
    packs.set(q.pack, pack);
  }
  const engine = new Engine();
  const unexpected: string[] = [];
  let checked = 0;
  for (const [name, pack] of packs) {
    const report = lintFile(`${name}.conf`, JSON.stringify(pack, null, 2), engine);
    checked += report.checked;
    for (const f of report.findings) {
      if (f.code !== "not_implemented") unexpected.push(`${name}: ${f.path}: ${f.message}`);
    }
  }
  engine.close();
  // osquery 5 removed its opera_extensions table; the example pack still names it (platform
  // posix), so osquery itself fails this query on macOS, and on Linux unless osq registers it.
  assertEquals(
    unexpected,
    registry.table("opera_extensions")
      ? [
        'vuln-management: queries.opera_extensions.query: Unknown table "opera_extensions" on darwin; did you mean "osquery_extensions"?',
      ]
      : [
        'vuln-management: queries.opera_extensions.query: On linux: Unknown table "opera_extensions"; did you mean "osquery_extensions"?',
      ],
  );
  // Every query is checked on the platforms it names (Linux, macOS, Windows); only a query for a
  // platform osq carries no schema of (gentoo) is not.
  const platforms = (q: PackQuery) => [q.pack_platform, q.platform].filter(Boolean).join(",");
  assertEquals(checked, queries.filter((q) => !/gentoo/.test(platforms(q))).length);
});

Deno.test("pack lint: a whole config gets the checks: schedule, inline packs, pack files, keys, shard, required columns", () => {
  const engine = new Engine();
  const expected: Record<string, [string, string, string, RegExp][]> = {
    "config/schedule.conf": [["unknown_table", "schedule.bad.query", "schedule.conf", /Unknown table "nosuch"/]],
    "config/inline-pack.conf": [[
      "unknown_column",
      "packs.inl.queries.q.query",
      "inline-pack.conf",
      /"nmae" in processes; did you mean "name"/,
    ]],
    "config/pack-file.conf": [[
      "unknown_table",
      "queries.x.query",
      "pack-file-broken.json",
      /did you mean "processes"/,
    ]],
    "config/file-no-path.conf": [[
      "required_column",
      "schedule.all_files.query",
      "file-no-path.conf",
      /file \(path or directory\) is scanned without a constraint/,
    ]],
    "config/query-key.conf": [[
      "query_key",
      "schedule.procs.remove",
      "query-key.conf",
      /Unknown query key "remove"; did you mean "removed"\?/,
    ]],
    "config/shard.conf": [["shard", "schedule.procs.shard", "shard.conf", /from 1 to 100.*not 150/]],
    "config/fleet-options.conf": [],
    "config/fleet-style-library.conf": [],
    "config/darwin-pack.conf": [
      ["platform_table", "queries.debs.query", "darwin-pack.conf", /"deb_packages" does not exist on darwin/],
      [
        "unknown_column",
        "queries.launchd.query",
        "darwin-pack.conf",
        /"nmae" in launchd \(darwin\); did you mean "name"/,
      ],
    ],
    "config/windows-pack.conf": [
      ["unknown_table", "queries.services.query", "windows-pack.conf", /"servics" on windows; did you mean "services"/],
    ],
  };
  for (const [file, wants] of Object.entries(expected)) {
    const report = lint(file, engine);
    assertEquals(
      report.findings.map((f) => [f.code, f.path, f.file.split("/").pop()]),
      wants.map(([c, p, f]) => [c, p, f]),
      file,
    );
    report.findings.forEach((f, i) => assertMatch(f.message, wants[i][3]));
  }
  engine.close();
});

Deno.test("pack lint: tables of the extensions Fleet ships are noted, not findings", () => {
  const engine = new Engine();
  const report = lint("config/fleet-style-library.conf", engine);
  engine.close();
  assertEquals(report.findings, []);
  assertEquals(report.extensionTables, ["file_lines", "mdm"]);
  assertEquals(report.checked, 12);
});
