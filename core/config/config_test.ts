import { assert, assertEquals, assertMatch } from "../../testing/assert.ts";
import { flags } from "../flags/flags.ts";
import { applyOptions, buildConfig, formatProblem, hasErrors, scheduledQueries } from "./config.ts";
import { parseJson } from "./json.ts";
import { stripConfigComments } from "./strip.ts";
import { checkPlatform, versionAtLeast } from "./platform.ts";
import { readConfigSources, resolvePack } from "../../plugins/config/filesystem.ts";
import { GLOB, iterateLikePattern } from "../host/glob.ts";

const fixtures = new URL("../../testdata/daemon/config/", import.meta.url).pathname;

Deno.test("config: comment lines (# and //) and backslash-newlines are stripped, lines trimmed", () => {
  const s = stripConfigComments('{\n  # a comment\n  // another\n  "a": "b\\\nc"\n}');
  assertEquals(s.text, '{\n"a": "bc"\n}\n');
  assertEquals(s.origin.map((o) => o[0]), [1, 4, 6]);
});

Deno.test("config: duplicate keys keep the first member, and values carry their line and column", () => {
  const p = parseJson('{"queries": {\n "a": {"query": "1"},\n "a": {"query": "2"}}}');
  assertEquals(p.locations.get("queries.a"), [{ line: 2, column: 7 }, { line: 3, column: 7 }]);
  const q = buildConfig([{
    name: "x.conf",
    text: '{"schedule": {"a": {"query": "select 1", "interval": 5},\n"a": {"query": "select 2"}}}',
  }]);
  assertEquals(scheduledQueries(q).map((s) => s.query), ["select 1"]);
  assertEquals(q.problems.map(formatProblem), [
    'x.conf:2:6: schedule.a: Duplicate query name "a": only the first definition is used.',
  ]);
});

Deno.test("config: a JSON syntax error names the file, the line in the original file and the problem", () => {
  const c = buildConfig([{
    name: "/etc/o.conf",
    text: '{\n  // comment\n  "schedule": {\n    "a": {"query": "x",}\n  }\n}',
  }]);
  assert(hasErrors(c));
  assertMatch(
    formatProblem(c.problems[0]),
    /^\/etc\/o\.conf:4:\d+: \(top level\): Invalid JSON: Expected a member name/,
  );
});

Deno.test("config: an out-of-range interval is reported with its JSON path and the query is skipped", () => {
  const c = buildConfig([{
    name: "c.conf",
    text: JSON.stringify(
      { schedule: { ok: { query: "select 1", interval: 10 }, bad: { query: "select 2", interval: 0 } } },
      null,
      2,
    ),
  }]);
  assertEquals(scheduledQueries(c).map((q) => q.name), ["ok"]);
  assertEquals(c.problems.length, 1);
  assertEquals(c.problems[0].path, "schedule.bad.interval");
  assertEquals(c.problems[0].line, 9);
  assertMatch(c.problems[0].message, /from 1 to 604800, not 0/);
});

Deno.test("config: defaults follow osquery (interval 3600, removed true, snapshot false, denylist true)", () => {
  const c = buildConfig([{ name: "c", text: '{"schedule": {"q": {"query": "select 1"}}}' }]);
  const [q] = scheduledQueries(c);
  assertEquals([q.interval, q.removed, q.snapshot, q.denylist, q.scheduledName], [3600, true, false, true, "q"]);
});

Deno.test("config: nesting deeper than 32 levels and over 4 MiB are rejected", () => {
  const deep = "[".repeat(40) + "]".repeat(40);
  const c = buildConfig([{ name: "d", text: `{"yara": ${deep}}` }]);
  assertMatch(c.problems[0].message, /Nesting deeper than 32/);
  const big = buildConfig([{ name: "b", text: `{"views": {"v": "${"x".repeat(4 * 1024 * 1024)}"}}` }]);
  assertMatch(big.problems[0].message, /larger than 4194304 bytes/);
});

Deno.test("config: packs inline, by path, and by * glob get osquery's scheduled names", () => {
  const sources = readConfigSources(`${fixtures}osquery.conf`);
  assertEquals(sources.map((s) => s.name.slice(fixtures.length)), ["osquery.conf.d/10-extra.conf", "osquery.conf"]);
  const c = buildConfig(sources, { resolvePack });
  assertEquals(c.problems.filter((p) => p.severity === "error"), []);
  const names = scheduledQueries(c).map((q) => q.scheduledName).sort();
  assertEquals(names, [
    "extra_uptime",
    "pack_inline_users",
    "pack_linux_only_kernel",
    "pack_one_q1",
    "pack_onfile_q",
    "pack_two_q2",
    "time_now",
  ]);
  assertEquals(c.views.get("v_root"), "select * from users where uid = 0");
  assertEquals(c.decorators.load, ["select version from osquery_info"]);
  assertEquals([...c.decorators.interval.keys()], [120]);
  assert(c.problems.some((p) => p.path === "decorators.interval.90" && p.severity === "warning"));
});

Deno.test("config: platform, version and shard filters as osquery decides them", () => {
  assert(checkPlatform("posix", "linux") && checkPlatform("ubuntu", "linux") && checkPlatform("", "linux"));
  assert(!checkPlatform("darwin", "linux") && !checkPlatform("windows", "linux") && checkPlatform("any", "windows"));
  assert(versionAtLeast("1.8.0", "5.23.1") && !versionAtLeast("6.0.0", "5.23.1") && versionAtLeast("5.23", "5.23.1"));
  const c = buildConfig([{
    name: "c",
    text: JSON.stringify({
      packs: {
        mac: { platform: "darwin", queries: { a: { query: "select 1" } } },
        future: { queries: { a: { query: "select 1", version: "99.0.0" }, b: { query: "select 1" } } },
      },
    }),
  }]);
  assertEquals(scheduledQueries(c).map((q) => q.scheduledName), ["pack_future_b"]);
});

Deno.test("config: options override flags; unknown and CLI-only options are warned about", () => {
  flags.reset();
  const c = buildConfig([{
    name: "c",
    text: JSON.stringify({ options: { schedule_splay_percent: 20, config_path: "/x", nosuchflag: 1, custom_x: "y" } }),
  }]);
  assertEquals(c.problems.map((p) => p.path).sort(), ["options.config_path", "options.nosuchflag"]);
  assertEquals(applyOptions(c).sort(), ["custom_x", "schedule_splay_percent"]);
  assertEquals(flags.number("schedule_splay_percent"), 20);
  flags.reset();
});

Deno.test("config: a bad option value is an error naming the option", () => {
  const c = buildConfig([{ name: "c", text: '{"options": {"schedule_splay_percent": "lots"}}' }]);
  assert(hasErrors(c));
  assertEquals(c.problems[0].path, "options.schedule_splay_percent");
});

Deno.test("config: pack globs expand * and % within a directory and %% below it, files only", () => {
  const files = (pattern: string) => [...iterateLikePattern(pattern, GLOB.FILES)];
  assertEquals(files(`${fixtures}packs/*.conf`).map((p) => p.slice(fixtures.length)), [
    "packs/one.conf",
    "packs/two.conf",
  ]);
  assertEquals(files(`${fixtures}packs/%`).length, 2);
  assert(files(`${fixtures}%%`).includes(`${fixtures}packs/two.conf`));
  assert(!files(`${fixtures}%`).includes(`${fixtures}packs/`));
});
