/**
 * A fake systemd manager for tests, run in a Worker: it listens on a unix socket, accepts SASL
 * EXTERNAL, and answers Hello, ListUnits and Properties.Get from the unit list it is given (and
 * emits a signal first, which clients must skip). Not used outside tests.
 *
 * @module
 */
import { type DBusValue, decodeMessage, encodeMessage, MESSAGE_TYPE, messageLength } from "../../testing/dbus_wire.ts";

/** What the test hands the fake manager. */
export interface FakeSystemdConfig {
  socketPath: string;
  /** ListUnits entries: [id, description, load, active, sub, following, path, job id, job type, job path]. */
  units: DBusValue[][];
  /** "objectPath interface.Property" → string value. */
  properties: Record<string, string>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function serve(conn: Deno.Conn, config: FakeSystemdConfig): Promise<void> {
  let pending = new Uint8Array(0);
  let authenticated = false;
  let okSent = false;
  let authLines = 0;
  let serial = 1000;
  const buf = new Uint8Array(65536);
  // An unsolicited signal the client must skip: sent before the reply to the first call after
  // Hello (a bus daemon's first message is always the Hello reply, which sd-bus insists on).
  const signal = () =>
    encodeMessage({
      type: MESSAGE_TYPE.SIGNAL,
      flags: 1,
      serial: serial++,
      path: "/org/freedesktop/systemd1",
      interface: "org.freedesktop.systemd1.Manager",
      member: "Reloading",
      signature: "b",
      body: [true],
    });
  let signalSent = false;
  const write = async (bytes: Uint8Array) => {
    let sent = 0;
    while (sent < bytes.length) sent += await conn.write(bytes.subarray(sent));
  };
  for (;;) {
    const n = await conn.read(buf);
    if (n === null) return;
    const next = new Uint8Array(pending.length + n);
    next.set(pending);
    next.set(buf.subarray(0, n), pending.length);
    pending = next;
    if (!authenticated) {
      // SASL EXTERNAL as the specification has it: "AUTH EXTERNAL <hex uid>" is answered with OK;
      // "AUTH EXTERNAL" alone (sd-bus's form) with DATA, and the client's "DATA" line then with OK.
      // The client may pipeline every line up to BEGIN, so all complete lines are answered in order.
      const text = decoder.decode(pending);
      const lines = text.slice(0, text.lastIndexOf("\r\n") + 2).split("\r\n").slice(authLines, -1);
      for (const line of lines.map((l) => l.replace(/^\0/, ""))) {
        authLines++;
        if (okSent) continue;
        if (line === "AUTH EXTERNAL") await write(encoder.encode("DATA\r\n"));
        else if (line.startsWith("AUTH EXTERNAL ") || line.startsWith("DATA")) {
          okSent = true;
          await write(encoder.encode("OK 0123456789abcdef0123456789abcdef\r\n"));
        }
      }
      const begin = text.indexOf("BEGIN\r\n");
      if (begin < 0) continue;
      pending = pending.slice(begin + 7); // the auth lines are ASCII: characters are bytes
      authenticated = true;
    }
    for (;;) {
      const length = messageLength(pending);
      if (length === undefined || pending.length < length) break;
      const m = decodeMessage(pending.subarray(0, length));
      pending = pending.slice(length);
      const reply = (signature: string, body: DBusValue[]) =>
        encodeMessage({
          type: MESSAGE_TYPE.METHOD_RETURN,
          flags: 1,
          serial: serial++,
          replySerial: m.serial,
          signature,
          body,
        });
      const error = (name: string) =>
        encodeMessage({
          type: MESSAGE_TYPE.ERROR,
          flags: 1,
          serial: serial++,
          replySerial: m.serial,
          errorName: name,
          signature: "s",
          body: ["no"],
        });
      if (m.member === "Hello") {
        await write(reply("s", [":1.42"]));
        continue;
      }
      if (!signalSent) {
        signalSent = true;
        await write(signal());
      }
      if (m.member === "ListUnits") await write(reply("a(ssssssouso)", [config.units]));
      else if (m.member === "Get") {
        const value = config.properties[`${m.path} ${m.body[0]}.${m.body[1]}`];
        await write(
          value === undefined
            ? error("org.freedesktop.DBus.Error.UnknownProperty")
            : reply("v", [{ signature: "s", value }]),
        );
      } else await write(error("org.freedesktop.DBus.Error.UnknownMethod"));
    }
  }
}

/** The worker's global scope (typed here so this module also checks under the main-thread lib). */
const scope = self as unknown as {
  onmessage: (event: MessageEvent<FakeSystemdConfig>) => void;
  postMessage(message: unknown): void;
};

scope.onmessage = async (event: MessageEvent<FakeSystemdConfig>) => {
  const config = event.data;
  const listener = Deno.listen({ transport: "unix", path: config.socketPath });
  scope.postMessage("ready");
  for await (const conn of listener) {
    serve(conn, config).catch(() => {}).finally(() => conn.close());
  }
};
