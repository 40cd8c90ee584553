import { assertEquals } from "../../testing/assert.ts";
import { DBusConnection, unixAddress } from "./client.ts";

Deno.test("dbus client: socket paths become D-Bus addresses with bytes outside the safe set escaped", () => {
  assertEquals(unixAddress("/run/systemd/private"), "unix:path=/run/systemd/private");
  assertEquals(unixAddress("/tmp/a b,c=d;é"), "unix:path=/tmp/a%20b%2cc%3dd%3b%c3%a9");
});

Deno.test("dbus client: a missing socket, or a path that is not a socket, gives no connection", () => {
  assertEquals(DBusConnection.open("/nonexistent/bus.sock", true), undefined);
  const file = Deno.makeTempFileSync();
  try {
    assertEquals(DBusConnection.open(file, false), undefined);
  } finally {
    Deno.removeSync(file);
  }
});
