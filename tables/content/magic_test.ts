import { assert, assertEquals, assertThrows } from "../../testing/assert.ts";
import magic from "./magic.ts";
import { openMagic } from "./_magic.ts";
import { TableError } from "../../core/table.ts";
import { fixtureHost, tableEngine, testdata } from "../../testing/table_engine.ts";

// The fixture files sit at the top of a host tree: queries name them as /hello.txt etc.
const e = tableEngine([magic], fixtureHost(testdata("content")));
const fixture = (name: string) => `/${name}`;

Deno.test("magic: describes files with libmagic's text, MIME type and encoding", () => {
  const rows = e.query(
    `select path, data, mime_type, mime_encoding from magic where path in ('${fixture("pixel.png")}', '${
      fixture("hello.txt")
    }', '${fixture("utf8.txt")}') order by path`,
  );
  assertEquals(rows.map((r) => [r.mime_type, r.mime_encoding]), [
    ["text/plain", "us-ascii"],
    ["image/png", "binary"],
    ["text/plain", "utf-8"],
  ]);
  assert(String(rows[1].data).startsWith("PNG image data, 1 x 1"));
  assertEquals(rows[0].data, "ASCII text");
});

Deno.test("magic: each path gets its own description (flags do not leak between paths)", () => {
  const rows = e.query(
    `select path, data from magic where path in ('${fixture("hello.txt")}', '${fixture("pixel.png")}') order by path`,
  );
  assertEquals(rows[0].data, "ASCII text");
  assert(String(rows[1].data).startsWith("PNG image data"));
});

Deno.test("magic: magic_db_files loads another database", () => {
  const db = fixture("osq.magic");
  const [row] = e.query(
    `select data, mime_type, magic_db_files from magic where path = '${
      fixture("fixture.osq")
    }' and magic_db_files = '${db}'`,
  );
  assertEquals(row, {
    data: "osq fixture file, version 3",
    mime_type: "application/x-osq-fixture",
    magic_db_files: db,
  });
});

Deno.test("magic: a database that will not load is a clear error", () => {
  assertThrows(
    () => e.query(`select * from magic where path = '${fixture("hello.txt")}' and magic_db_files = '/nonexistent.mgc'`),
    Error,
    "magic_db_files",
  );
});

Deno.test("magic: path is required", () => {
  assertThrows(() => e.query("select * from magic"), Error);
});

Deno.test("magic: a missing file yields libmagic's message, as osquery does", () => {
  const [row] = e.query("select data from magic where path = '/nonexistent/file'");
  assert(String(row.data).includes("No such file"));
});

Deno.test("magic: a missing libmagic is a TableError naming the package to install", () => {
  assertThrows(() => openMagic(["libosq-no-such-magic.so.1"]), TableError, "libmagic1");
});
