import { assertEquals } from "../../testing/assert.ts";
import { MemoryOutput } from "./output.ts";
import {
  charCount,
  compareCodePoints,
  createPrinter,
  jsonString,
  type PrintSettings,
  sortedKeys,
  SQL_TYPE,
  TextCells,
} from "./printer.ts";

function settings(over: Partial<PrintSettings> = {}): PrintSettings {
  return { mode: "pretty", json: "none", showHeader: true, separator: "|", nullvalue: "", colWidth: [], ...over };
}

/** Prints rows of text (null = NULL) through a printer and returns the output. */
async function print(s: PrintSettings, columns: string[], rows: (string | null)[][]): Promise<string> {
  const out = new MemoryOutput();
  const printer = await createPrinter(s, out);
  const cells = new TextCells();
  printer.columns(columns);
  for (const row of rows) printer.row(cells.set(row, row.map(() => SQL_TYPE.TEXT)));
  printer.finish();
  return out.text();
}

/** The pretty table built naively from osquery's rules, for comparison. */
function naivePretty(columns: string[], rows: string[][]): string {
  const widths = columns.map((c, i) => Math.max(charCount(c), ...rows.map((r) => charCount(r[i]))));
  const sep = "+" + widths.map((w) => "-".repeat(w + 2) + "+").join("") + "\n";
  const line = (cells: string[]) =>
    "|" + cells.map((v, i) => " " + v + " ".repeat(widths[i] - charCount(v)) + " |").join("") + "\n";
  return sep + line(columns) + sep + rows.map(line).join("") + sep;
}

Deno.test("printer: jsonString escapes as RapidJSON (upper-case \\u00XX, short escapes, raw unicode)", () => {
  assertEquals(jsonString('a"b\\c'), '"a\\"b\\\\c"');
  assertEquals(jsonString("\x01\x1f\n\t\b\f\r"), '"\\u0001\\u001F\\n\\t\\b\\f\\r"');
  assertEquals(jsonString("\\u001f literal"), '"\\\\u001f literal"');
  assertEquals(jsonString("héllo 🦀 /"), '"héllo 🦀 /"');
});

Deno.test("printer: keys sort by code point and the last duplicate wins", () => {
  assertEquals(sortedKeys(["b", "a", "B", "a"]), [{ name: "B", index: 2 }, { name: "a", index: 3 }, {
    name: "b",
    index: 0,
  }]);
  assertEquals(compareCodePoints("\uffff", "🦀") < 0, true);
});

Deno.test("printer: pretty widths count characters, not bytes", async () => {
  assertEquals(
    await print(settings(), ["k"], [["日本"], ["é"]]),
    "+----+\n| k  |\n+----+\n| 日本 |\n| é  |\n+----+\n",
  );
});

Deno.test("printer: a large pretty result spills to a temporary file and prints the same table", async () => {
  const rows: string[][] = [];
  for (let i = 0; i < 60_000; i++) rows.push([String(i), "value-" + "x".repeat(i % 40) + "-ü", i % 7 ? "z" : "日本語"]);
  const columns = ["id", "text", "w"];
  assertEquals(await print(settings(), columns, rows), naivePretty(columns, rows));
});

Deno.test("printer: pretty prints nothing for an empty result; JSON forms print their empty arrays", async () => {
  assertEquals(await print(settings(), ["a"], []), "");
  assertEquals(await print(settings({ json: "json" }), ["a"], []), "[\n\n]\n");
  assertEquals(await print(settings({ json: "json_pretty" }), ["a"], []), "[]\n");
  assertEquals(await print(settings({ json: "json_typed" }), ["a"], []), "[\n\n]\n");
  assertEquals(await print(settings({ mode: "csv", separator: "," }), ["a"], []), "");
});

Deno.test("printer: --json escapes values that need it and copies the rest as they are", async () => {
  assertEquals(
    await print(settings({ json: "json", nullvalue: "-" }), ["q", "n", "u"], [['say "hi"', null, "ü"]]),
    '[\n  {"n":"-","q":"say \\"hi\\"","u":"ü"}\n]\n',
  );
});

Deno.test("printer: --json_typed keeps numbers and NULL", async () => {
  const out = new MemoryOutput();
  const p = await createPrinter(settings({ json: "json_typed" }), out);
  p.columns(["i", "f", "t", "n", "inf"]);
  p.row(
    new TextCells().set(["42", "2.5", "42", null, "Inf"], [
      SQL_TYPE.INTEGER,
      SQL_TYPE.FLOAT,
      SQL_TYPE.TEXT,
      SQL_TYPE.NULL,
      SQL_TYPE.FLOAT,
    ]),
  );
  p.finish();
  assertEquals(out.text(), '[\n  {"i":42,"f":2.5,"t":"42","n":null,"inf":"Inf"}\n]\n');
});

Deno.test("printer: CSV quotes the separator, quotes, CR and LF only, and ends records with CRLF", async () => {
  assertEquals(
    await print(settings({ mode: "csv", separator: "," }), ["a,b", "c"], [["x,y", 'q"q'], ["line\nbreak", " plain "], [
      null,
      "é",
    ]]),
    '"a,b",c\r\n"x,y","q""q"\r\n"line\nbreak", plain \r\n,é\r\n',
  );
});

Deno.test("printer: column mode pads and truncates by .width, right-aligning negative widths", async () => {
  assertEquals(
    await print(settings({ mode: "column", colWidth: [3, -5] }), ["a", "b"], [["12345", "xy"]]),
    "a        b\n---  -----\n123     xy\n",
  );
});

Deno.test("printer: line mode right-aligns names to at least five columns", async () => {
  assertEquals(
    await print(settings({ mode: "line" }), ["a", "longer_name"], [["1", null], ["2", "x"]]),
    [
      "          a = 1",
      "longer_name = ",
      "",
      "          a = 2",
      "longer_name = x",
      "",
    ].join("\n"),
  );
});
