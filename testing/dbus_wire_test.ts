import { assertEquals, assertThrows } from "./assert.ts";
import {
  DBusFormatError,
  DBusWriter,
  decodeMessage,
  encodeMessage,
  MESSAGE_TYPE,
  splitSignature,
} from "./dbus_wire.ts";

Deno.test("dbus: a method call encodes to the byte layout of the specification", () => {
  const bytes = encodeMessage({
    type: MESSAGE_TYPE.METHOD_CALL,
    flags: 0,
    serial: 1,
    path: "/o",
    member: "Ab",
    signature: "s",
    body: ["x"],
  });
  // deno-fmt-ignore
  const expected = [
    0x6c, 1, 0, 1, 6, 0, 0, 0, 1, 0, 0, 0, // 'l', call, flags, v1, body length 6, serial 1
    0x27, 0, 0, 0, // header field array: 39 bytes (the pad after it is not counted)
    1, 1, 0x6f, 0, 2, 0, 0, 0, 0x2f, 0x6f, 0, 0, 0, 0, 0, 0, // PATH: o "/o", padded to 8
    3, 1, 0x73, 0, 2, 0, 0, 0, 0x41, 0x62, 0, 0, 0, 0, 0, 0, // MEMBER: s "Ab", padded to 8
    8, 1, 0x67, 0, 1, 0x73, 0, 0, // SIGNATURE: g "s", then one pad byte ends the header on 8
    1, 0, 0, 0, 0x78, 0, // body: s "x"
  ];
  assertEquals([...bytes], expected);
  const back = decodeMessage(bytes);
  assertEquals([back.path, back.member, back.signature, back.body], ["/o", "Ab", "s", ["x"]]);
});

Deno.test("dbus: nested containers round-trip; bad signatures and truncation are errors", () => {
  const w = new DBusWriter();
  const value = [[1, "a", { signature: "as", value: ["p", "q"] }], [2, "b", { signature: "t", value: 2n ** 60n }]];
  w.value("a(ysv)", value);
  const m = decodeMessage(
    encodeMessage({ type: 2, flags: 0, serial: 9, replySerial: 3, signature: "a(ysv)", body: [value] }),
  );
  assertEquals(m.body[0], [[1, "a", { signature: "as", value: ["p", "q"] }], [2, "b", {
    signature: "t",
    value: 2n ** 60n,
  }]]);
  assertEquals(m.replySerial, 3);
  assertEquals(splitSignature("sa{sv}(ii)"), ["s", "a{sv}", "(ii)"]);
  assertThrows(() => splitSignature("a(ss"), DBusFormatError);
  assertThrows(() => splitSignature("z"), DBusFormatError);
  const bytes = encodeMessage({ type: 2, flags: 0, serial: 1, signature: "s", body: ["hello"] });
  assertThrows(() => decodeMessage(bytes.subarray(0, bytes.length - 3)), DBusFormatError);
});
