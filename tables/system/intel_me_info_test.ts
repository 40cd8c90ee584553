// Tests for intel_me_info: the HECI exchange against a fake device, and the live host (no /dev/mei0 here).
import { Engine } from "../../core/engine.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import { intelMeInfoRows, MEI_UPDATE_CLIENT_GUID, type MeiTransport, openMeiDevice } from "./intel_me_info.ts";

/** A fake ME: records what it was sent, replies with `reply`, reports `protocolVersion` on connect. */
function fakeMe(reply: Uint8Array, protocolVersion = 1) {
  const seen = { guid: new Uint8Array() as Uint8Array, written: [] as Uint8Array[], closed: false };
  const transport: MeiTransport = {
    connect(guid) {
      seen.guid = guid;
      return { maxLength: 512, protocolVersion };
    },
    write(data) {
      seen.written.push(data.slice());
      return data.length;
    },
    read(into) {
      const n = Math.min(into.length, reply.length);
      into.set(reply.subarray(0, n));
      return n;
    },
    close() {
      seen.closed = true;
    },
  };
  return { transport, seen };
}

function versionReply(parts: number[], size = 56): Uint8Array {
  const reply = new Uint8Array(size);
  const view = new DataView(reply.buffer);
  parts.forEach((p, i) => view.setUint16(28 + 2 * i, p, true));
  return reply;
}

Deno.test("intel_me_info: connects to the update client, sends GetFirmwareVersion, reports major.minor.hotfix.build", () => {
  const { transport, seen } = fakeMe(versionReply([16, 1, 25, 2176, 16, 1, 25, 2176]));
  assertEquals(intelMeInfoRows(transport), [{ version: "16.1.25.2176" }]);
  assertEquals(seen.guid, MEI_UPDATE_CLIENT_GUID);
  assertEquals(seen.written, [new Uint8Array(4)]);
  assert(seen.closed);
});

Deno.test("intel_me_info: an unknown protocol version or a short reply gives no row", () => {
  assertEquals(intelMeInfoRows(fakeMe(versionReply([1, 2, 3, 4]), 2).transport), []);
  assertEquals(intelMeInfoRows(fakeMe(versionReply([1], 40)).transport), []);
});

Deno.test("intel_me_info: no HECI device means no rows; the live query runs", () => {
  assertEquals(openMeiDevice("/nonexistent/mei0"), undefined);
  // A character device that is not HECI opens, but the connect ioctl fails: no row, descriptor closed.
  assertEquals(intelMeInfoRows(openMeiDevice("/dev/null")), []);
  const live = new Engine().query("SELECT version FROM intel_me_info");
  let hasMei = false;
  try {
    hasMei = Deno.statSync("/dev/mei0").isCharDevice === true;
  } catch { /* no mei driver */ }
  if (!hasMei) assertEquals(live, []);
  else assert(live.every((r) => /^\d+\.\d+\.\d+\.\d+$/.test(String(r.version))));
});
