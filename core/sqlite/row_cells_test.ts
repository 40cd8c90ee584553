import { assertEquals } from "../../testing/assert.ts";
import { Database } from "./database.ts";
import { RowCells, StorageClass } from "./row_cells.ts";

Deno.test("loadIntegers reads an integer column's INTEGER values as numbers and renders every value as load() does", () => {
  const db = new Database(":memory:");
  try {
    db.exec("create table t(i integer, b bigint, s text)");
    db.exec(
      "insert into t values (9223372036854775807, -9223372036854775808, '7'), (-5, 0, 'x'), " +
        "(9007199254740993, 'text', null), (null, 1.25, 'a,b'), (x'41', 12, 'é')",
    );
    const integers = new Uint8Array([1, 1, 0]);
    const plain = new RowCells();
    const numbers = new RowCells();
    const statement = db.prepare("select i, b, s from t");
    const seen: (string | undefined)[] = [];
    try {
      while (statement.step()) {
        plain.load(statement, 3, false);
        const expected = [0, 1, 2].map((
          i,
        ) => [plain.text(i), plain.byteLength(i), plain.type(i) === StorageClass.NULL]);
        numbers.loadIntegers(statement, 3, integers);
        for (let i = 0; i < 3; i++) {
          assertEquals(
            [numbers.text(i), numbers.byteLength(i), numbers.type(i) === StorageClass.NULL],
            expected[i],
          );
          const bytes = numbers.bytes(i);
          assertEquals(bytes === null ? null : new TextDecoder().decode(bytes), expected[i][0]);
        }
        // Deno hands 64-bit integers over as bigint (or number): compared by their decimal text.
        seen.push(...[numbers.integer(0), numbers.integer(1)].map((n) => n === undefined ? n : String(n)));
        assertEquals(numbers.integer(2), undefined);
      }
    } finally {
      statement.finalize();
    }
    assertEquals(seen, [
      "9223372036854775807",
      "-9223372036854775808",
      "-5",
      "0",
      "9007199254740993",
      undefined, // 'text' in a BIGINT column is read as text
      undefined, // NULL
      undefined, // 1.25 is a REAL
      undefined, // a blob
      "12",
    ]);
  } finally {
    db.close();
  }
});
