import { assert, assertEquals, assertThrows } from "../../testing/assert.ts";
import {
  DECODE_FACTOR,
  DECODE_SLACK,
  decodeArgs,
  encodeCall,
  type ExtensionRegistry,
  openMessage,
} from "./bindings.ts";
import { ThriftProtocolError } from "./protocol.ts";

const info = { name: "budget", version: "1", sdk_version: "1", min_sdk_version: "1" };

/** A registerExtension of `tables` tables with 20 column routes each, as real extensions send. */
function realistic(tables: number): ExtensionRegistry {
  const table: Record<string, Record<string, string>[]> = {};
  for (let t = 0; t < tables; t++) {
    table[`table_${t}`] = Array.from({ length: 20 }, (_, c) => ({
      id: "column",
      name: `column_${c}`,
      type: c % 2 ? "TEXT" : "BIGINT",
      op: "0",
    }));
  }
  return { table };
}

Deno.test("thrift decoding: a large realistic registerExtension decodes within twice its size", () => {
  const bytes = encodeCall("registerExtension", 1, { info, registry: realistic(2_000) });
  assert(bytes.length > 2_000_000, `${bytes.length}`);
  const message = openMessage(bytes);
  const args = decodeArgs("registerExtension", message.reader);
  assertEquals(Object.keys(args.registry.table).length, 2_000);
  assertEquals(args.registry.table.table_7[3], { id: "column", name: "column_3", type: "TEXT", op: "0" });
  assert(message.reader.decodedBytes <= DECODE_FACTOR * bytes.length, `${message.reader.decodedBytes}`);
});

Deno.test("thrift decoding: routes of tiny or ever-new keys are refused before they cost more than twice their size", () => {
  for (const row of [(i: number) => ({ [`k${i}`]: "v" }), (_: number) => ({ a: "" })]) {
    const rows = Array.from({ length: 100_000 }, (_, i) => row(i));
    const bytes = encodeCall("registerExtension", 1, { info, registry: { table: { t: rows } } });
    const message = openMessage(bytes);
    const err = assertThrows(() => decodeArgs("registerExtension", message.reader), ThriftProtocolError);
    assert(err.message.includes("too many tiny or differently-keyed entries"), err.message);
    // It stopped at the budget: what it decoded stays within twice the message (plus the slack).
    assert(message.reader.decodedBytes <= DECODE_FACTOR * bytes.length + DECODE_SLACK + 1024);
  }
});
