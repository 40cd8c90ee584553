import { assertEquals, assertThrows } from "../../testing/assert.ts";
import { DEFAULT_LIMITS, MessageScanner, MessageType, Reader, ThriftProtocolError, TType, Writer } from "./protocol.ts";
import { decodeArgs, decodeResult, encodeCall, encodeReply, openMessage } from "./bindings.ts";
import { MessageBuffer } from "./transport.ts";

function registerCall(): Uint8Array {
  return encodeCall("registerExtension", 7, {
    info: { name: "ext", version: "1.0", sdk_version: "5.23.1", min_sdk_version: "0.0.0" },
    registry: {
      table: { t: [{ id: "column", name: "a", type: "TEXT", op: "0" }, { id: "column", name: "ü", type: "BLOB" }] },
      config: {},
    },
  });
}

Deno.test("protocol: every scalar round-trips through Writer and Reader", () => {
  const w = new Writer(4);
  w.bool(true);
  w.byte(-5);
  w.i16(-300);
  w.i32(-70000);
  w.i64(-(2n ** 62n));
  w.i64(2n ** 63n - 1n);
  w.double(1.25);
  w.string("héllo ✓");
  w.string("x".repeat(100));
  w.binary(new Uint8Array([0, 255, 1]));
  const r = new Reader(w.finish());
  assertEquals(r.bool(), true);
  assertEquals(r.byte(), -5);
  assertEquals(r.i16(), -300);
  assertEquals(r.i32(), -70000);
  assertEquals(r.i64(), -(2n ** 62n));
  assertEquals(r.i64(), 2n ** 63n - 1n);
  assertEquals(r.double(), 1.25);
  assertEquals(r.string(), "héllo ✓");
  assertEquals(r.string(), "x".repeat(100));
  assertEquals(r.binary(), new Uint8Array([0, 255, 1]));
  assertThrows(() => r.byte(), ThriftProtocolError, "Truncated");
});

Deno.test("protocol: a call message decodes to the same typed arguments", () => {
  const msg = openMessage(registerCall());
  assertEquals([msg.name, msg.type, msg.seqid], ["registerExtension", MessageType.CALL, 7]);
  const args = decodeArgs("registerExtension", msg.reader);
  assertEquals(args.info.name, "ext");
  assertEquals(args.registry.table.t[1], { id: "column", name: "ü", type: "BLOB" });
  assertEquals(args.registry.config, {});
});

Deno.test("protocol: i64 map keys stay 64-bit bigints", () => {
  const big = 2n ** 62n + 3n;
  const info = { name: "a", version: "1", sdk_version: "5", min_sdk_version: "0" };
  const bytes = encodeReply("extensions", 1, new Map([[big, info], [1n, info]]));
  const list = decodeResult("extensions", openMessage(bytes));
  assertEquals([...list.keys()], [big, 1n]);
});

Deno.test("protocol: the scanner finds a message fed one byte at a time", () => {
  const bytes = registerCall();
  const scanner = new MessageScanner();
  for (let n = 1; n < bytes.length; n++) assertEquals(scanner.scan(bytes.subarray(0, n)), 0, `at ${n}`);
  assertEquals(scanner.scan(bytes), bytes.length);
});

Deno.test("protocol: the message buffer splits back-to-back messages in 512-byte writes", () => {
  const one = registerCall();
  const ping = encodeCall("ping", 2, {});
  const stream = new Uint8Array([...one, ...ping, ...one]);
  const buffer = new MessageBuffer();
  const got: string[] = [];
  for (let i = 0; i < stream.length; i += 512) {
    buffer.append(stream.subarray(i, i + 512));
    for (let m = buffer.next(); m; m = buffer.next()) got.push(openMessage(m).name);
  }
  assertEquals(got, ["registerExtension", "ping", "registerExtension"]);
  assertEquals(buffer.pending, 0);
});

Deno.test("protocol: old-style (unversioned) headers are accepted", () => {
  const w = new Writer();
  w.i32(4);
  for (const c of "ping") w.byte(c.charCodeAt(0));
  w.byte(MessageType.CALL);
  w.i32(9);
  w.fieldStop();
  const bytes = w.finish();
  assertEquals(new MessageScanner().scan(bytes), bytes.length);
  const msg = openMessage(bytes);
  assertEquals([msg.name, msg.type, msg.seqid], ["ping", MessageType.CALL, 9]);
});

Deno.test("protocol: unknown fields of every type are skipped", () => {
  const w = new Writer();
  w.messageBegin("ping", MessageType.REPLY, 1);
  w.fieldBegin(TType.STRUCT, 0);
  w.fieldBegin(TType.LIST, 9); // unknown: list<map<i64,double>>
  w.listBegin(TType.MAP, 1);
  w.mapBegin(TType.I64, TType.DOUBLE, 1);
  w.i64(1n);
  w.double(2);
  w.fieldBegin(TType.I32, 1);
  w.i32(0);
  w.fieldBegin(TType.STRING, 2);
  w.string("pong");
  w.fieldBegin(TType.STRING, 3); // known id, wrong type: skipped, default kept
  w.string("not an i64");
  w.fieldStop();
  w.fieldBegin(TType.BOOL, 5); // unknown result field
  w.bool(true);
  w.fieldStop();
  const bytes = w.finish();
  assertEquals(new MessageScanner().scan(bytes), bytes.length);
  assertEquals(decodeResult("ping", openMessage(bytes)), { code: 0, message: "pong", uuid: 0n });
});

Deno.test("protocol: bogus lengths and sizes are refused before allocating", () => {
  const header = (fill: (w: Writer) => void) => {
    const w = new Writer();
    w.messageBegin("call", MessageType.CALL, 1);
    fill(w);
    return w.finish();
  };
  const hugeString = header((w) => {
    w.fieldBegin(TType.STRING, 1);
    w.i32(0x7fffffff);
  });
  const limits = { ...DEFAULT_LIMITS, messageSizeLimit: 1 << 20 };
  assertThrows(() => new MessageScanner(limits).scan(hugeString), ThriftProtocolError, "exceeds");
  const stringLimit = { ...DEFAULT_LIMITS, stringSizeLimit: 10 };
  const longString = header((w) => {
    w.fieldBegin(TType.STRING, 1);
    w.string("x".repeat(11));
  });
  assertThrows(() => new MessageScanner(stringLimit).scan(longString), ThriftProtocolError, "limit of 10");
  const negative = header((w) => {
    w.fieldBegin(TType.LIST, 1);
    w.listBegin(TType.STRING, -1);
  });
  assertThrows(() => new MessageScanner().scan(negative), ThriftProtocolError, "Negative");
  const badType = header((w) => w.fieldBegin(99, 1));
  assertThrows(() => new MessageScanner().scan(badType), ThriftProtocolError, "Unknown Thrift type");
  const deep = header((w) => {
    for (let i = 0; i < 100; i++) w.fieldBegin(TType.STRUCT, 1);
  });
  assertThrows(() => new MessageScanner().scan(deep), ThriftProtocolError, "nested too deeply");
  const badVersion = new Uint8Array([0x80, 0x02, 0, 1, 0, 0, 0, 0]);
  assertThrows(() => new MessageScanner().scan(badVersion), ThriftProtocolError, "version");
  // A container claiming more elements than the message could hold never allocates them.
  const bigList = header((w) => {
    w.fieldBegin(TType.LIST, 1);
    w.listBegin(TType.I64, 0x7fffffff);
  });
  assertThrows(() => new MessageScanner(limits).scan(bigList), ThriftProtocolError, "exceeds");
});

Deno.test("protocol: a truncated message is incomplete to the scanner and an error to the reader", () => {
  const bytes = registerCall();
  const cut = bytes.subarray(0, bytes.length - 3);
  assertEquals(new MessageScanner().scan(cut), 0);
  const msg = openMessage(cut);
  assertThrows(() => decodeArgs("registerExtension", msg.reader), ThriftProtocolError, "Truncated");
});

Deno.test("protocol: hostile map keys such as __proto__ stay plain data", () => {
  const w = new Writer();
  // Hand-build a row whose key is __proto__ (object literals cannot carry it as data).
  w.messageBegin("query", MessageType.REPLY, 1);
  w.fieldBegin(TType.STRUCT, 0);
  w.fieldBegin(TType.LIST, 2);
  w.listBegin(TType.MAP, 1);
  w.mapBegin(TType.STRING, TType.STRING, 1);
  w.string("__proto__");
  w.string("polluted");
  w.fieldStop();
  w.fieldStop();
  const result = decodeResult("query", openMessage(w.finish()));
  assertEquals(Object.getPrototypeOf(result.response[0]), Object.prototype);
  assertEquals(Object.getOwnPropertyDescriptor(result.response[0], "__proto__")?.value, "polluted");
});
