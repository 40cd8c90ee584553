import { assertEquals } from "../../testing/assert.ts";
import {
  batchLine,
  calendarTime,
  canonicalRow,
  diffRows,
  doubleString,
  escapeNonPrintable,
  eventLines,
  type LogItem,
  nextEvents,
  nextResults,
  osqueryRowOrder,
  renderRow,
  snapshotLines,
} from "./diff.ts";

const item = (over: Partial<LogItem> = {}): LogItem => ({
  name: "q",
  hostIdentifier: "host",
  unixTime: 1462228052,
  epoch: 0,
  counter: 0,
  numerics: false,
  decorations: {},
  decorationsTopLevel: false,
  ...over,
});

Deno.test("diff: calendarTime is asctime in UTC with a space-padded day", () => {
  assertEquals(calendarTime(1462228052), "Mon May  2 22:27:32 2016 UTC");
});

Deno.test("diff: doubles render as %.15g with .0 appended, like osquery's CastVisitor", () => {
  assertEquals([doubleString(0), doubleString(1.5), doubleString(2), doubleString(0.1 + 0.2)], [
    "0.0",
    "1.5",
    "2.0",
    "0.3",
  ]);
  assertEquals(doubleString(1e20), "1e+20.0");
  assertEquals(doubleString(123456.789), "123456.789");
});

Deno.test("diff: canonical rows sort keys, keep integer/double types and escape control bytes", () => {
  const row = canonicalRow(["name", "a", "r"], ["x\ny", { int: 5 }, { real: 2 }]);
  assertEquals(row, '{"a":5,"name":"x\\\\x0Ay","r":2.0}');
  assertEquals(renderRow(row, false), '{"a":"5","name":"x\\\\x0Ay","r":"2.0"}');
  assertEquals(renderRow(row, true), row);
  assertEquals(escapeNonPrintable("a\tb"), "a\\x09b");
  assertEquals(renderRow(canonicalRow(["big"], [{ int: 9007199254740993n }]), false), '{"big":"9007199254740993"}');
});

Deno.test("diff: multiset difference keeps duplicates and current order", () => {
  assertEquals(diffRows(["a", "b", "b", "c"], ["b", "d", "a", "d"]), { removed: ["b", "c"], added: ["d", "d"] });
});

Deno.test("diff: first run logs everything added with counter 0; unchanged runs log nothing", () => {
  const first = nextResults("q", undefined, ["r1"], 0, "select 1", true);
  assertEquals([first.counter, first.log, first.storeRows, first.diff.added], [0, true, true, ["r1"]]);
  const state = first.state!;
  const same = nextResults("q", { state, rows: ["r1"] }, ["r1"], 0, "select 1", true);
  assertEquals([same.log, same.state, same.counter], [false, undefined, 1]);
  const changed = nextResults("q", { state, rows: ["r1"] }, ["r2"], 0, "select 1", true);
  assertEquals([changed.counter, changed.diff], [1, { removed: ["r1"], added: ["r2"] }]);
  const noRemoved = nextResults("q", { state: changed.state!, rows: ["r2"] }, [], 0, "select 1", false);
  assertEquals([noRemoved.log, noRemoved.counter, noRemoved.storeRows], [false, 2, true]);
});

Deno.test("diff: a new epoch resets to counter 0 with every row added; a first empty run still logs (batch)", () => {
  const step = nextResults("q", { state: { epoch: 0, counter: 7, sql: "s" }, rows: ["a"] }, ["a"], 3, "s", true);
  assertEquals([step.counter, step.diff.added, step.note], [0, ["a"], "New Epoch 3 for scheduled query q"]);
  const empty = nextResults("q", undefined, [], 0, "s", true);
  assertEquals([empty.log, empty.counter], [true, 0]);
  assertEquals(eventLines(item(), empty.diff), []);
  assertEquals(
    batchLine(item(), empty.diff),
    '{"diffResults":{"removed":[],"added":[]},"name":"q","hostIdentifier":"host",' +
      '"calendarTime":"Mon May  2 22:27:32 2016 UTC","unixTime":1462228052,"epoch":0,"counter":0,"numerics":false}',
  );
});

Deno.test("diff: event lines carry osquery's field order, removed before added, decorations nested or top level", () => {
  const lines = eventLines(item({ counter: 2, decorations: { b: "2", a: "1" } }), {
    removed: ['{"x":1}'],
    added: ['{"x":2}'],
  });
  assertEquals(lines, [
    '{"name":"q","hostIdentifier":"host","calendarTime":"Mon May  2 22:27:32 2016 UTC","unixTime":1462228052,' +
    '"epoch":0,"counter":2,"numerics":false,"decorations":{"a":"1","b":"2"},"columns":{"x":"1"},"action":"removed"}',
    '{"name":"q","hostIdentifier":"host","calendarTime":"Mon May  2 22:27:32 2016 UTC","unixTime":1462228052,' +
    '"epoch":0,"counter":2,"numerics":false,"decorations":{"a":"1","b":"2"},"columns":{"x":"2"},"action":"added"}',
  ]);
  const top = eventLines(item({ decorations: { a: "1" }, decorationsTopLevel: true, numerics: true }), {
    removed: [],
    added: ['{"x":2}'],
  });
  assertEquals(JSON.parse(top[0]).a, "1");
  assertEquals(JSON.parse(top[0]).columns.x, 2);
});

Deno.test("diff: snapshot lines as one batch or as events", () => {
  const [line] = snapshotLines(item(), ['{"x":1}'], false);
  assertEquals(line.slice(0, 44), '{"snapshot":[{"x":"1"}],"action":"snapshot",');
  const events = snapshotLines(item(), ['{"x":1}', '{"x":2}'], true);
  assertEquals(events.map((l) => JSON.parse(l).action), ["snapshot", "snapshot"]);
});

Deno.test("diff: event-table queries log only new rows, never removed ones, counting from 1", () => {
  const first = nextEvents("e", undefined, ["a", "b"], 0, "s");
  assertEquals([first.counter, first.diff, first.log], [1, { removed: [], added: ["a", "b"] }, true]);
  const later = nextEvents("e", { state: first.state!, rows: ["a", "b"] }, ["b", "c"], 0, "s");
  assertEquals([later.counter, later.diff, later.storeRows], [2, { removed: [], added: ["c"] }, true]);
  const quiet = nextEvents("e", { state: later.state!, rows: ["b", "c"] }, ["b", "c"], 0, "s");
  assertEquals([quiet.log, quiet.state], [false, undefined]);
  const empty = nextEvents("e", undefined, [], 0, "s");
  assertEquals([empty.log, empty.state?.counter], [false, 0]);
});

Deno.test("diff: removed rows come in osquery's multiset order: key by key, integers before doubles before text", () => {
  const rows = ['{"a":"x","b":1}', '{"a":10,"b":1}', '{"a":9,"b":1}', '{"a":1.5}', '{"a":9}', '{"a":"x"}', "{}"];
  assertEquals(osqueryRowOrder(rows), [
    "{}",
    '{"a":9}',
    '{"a":9,"b":1}',
    '{"a":10,"b":1}',
    '{"a":1.5}',
    '{"a":"x"}',
    '{"a":"x","b":1}',
  ]);
});

Deno.test("diff: removed rows' order reads each row's cells as a JSON parse does (escapes, numbers, unicode)", () => {
  // A reference order from JSON.parse (keys here are not integer-like, so its key order is the text's).
  const typed = (row: string) =>
    Object.entries(JSON.parse(row, (k, v, ctx?: { source?: string }) => {
      if (k === "" || typeof v === "object") return v;
      if (typeof v === "string") return [2, v];
      const src = ctx?.source ?? String(v);
      return /[.eE]/.test(src) ? [1, Number(src)] : [0, BigInt(src)];
    }) as Record<string, [number, bigint | number | string]>);
  const compare = (x: string, y: string) => {
    const a = typed(x), b = typed(y);
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (a[i][0] !== b[i][0]) return a[i][0] < b[i][0] ? -1 : 1;
      const [ta, va] = a[i][1], [tb, vb] = b[i][1];
      if (ta !== tb) return ta - tb;
      if (va !== vb) return va < vb ? -1 : 1;
    }
    return a.length - b.length;
  };
  const values = [
    "0",
    "-1",
    "9223372036854775807",
    "-9223372036854775808",
    "10",
    "9",
    "1.5",
    "-0.5",
    "1e21",
    "1e309",
    '"x"',
    '""',
    '"a\\"b"',
    '"back\\\\slash"',
    '"\\\\x01"',
    '"é😀"',
    '"\\u2028"',
    '"z"',
  ];
  const rows: string[] = [];
  for (const a of values) {
    for (const b of ["1", '"q"', "2.5"]) rows.push(`{"a":${a},"b\\"k":${b}}`, `{"a":${a}}`);
  }
  rows.push("{}", '{"é":1}', '{"":"e"}');
  const shuffled = rows.map((r, i) => [(i * 7919) % rows.length, r] as const).sort((x, y) => x[0] - y[0]).map((x) =>
    x[1]
  );
  assertEquals(osqueryRowOrder(shuffled), [...shuffled].sort(compare));
});
