import { Engine } from "../../core/engine.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import { waitFor } from "../../testing/wait.ts";
import { DBusConnection, type DBusValue } from "../../core/dbus/client.ts";
import { decodeUnitList, listSystemdUnits } from "./_systemd.ts";
import systemdUnits from "./systemd_units.ts";
import { FAKE_UNITS, startFakeSystemd } from "./fake_systemd_test_helpers.ts";
import { generated } from "./system_test_helpers.ts";

Deno.test("systemd_units: ListUnits entries decode; malformed entries are skipped", () => {
  const units = decodeUnitList([[...FAKE_UNITS, ["too", "short"], "not an entry"]]);
  assertEquals(units.map((u) => u.id), ["ssh.service", "cron.service", "-.mount"]);
  assertEquals(units[1].jobId, 7);
  assertEquals(decodeUnitList([]), []);
});

Deno.test("systemd_units: a fake manager on the host's private socket answers units and properties", async () => {
  const fake = await startFakeSystemd();
  try {
    const rows = generated(systemdUnits, fake.root);
    assertEquals(rows[0], {
      id: "ssh.service",
      description: "OpenBSD Secure Shell server",
      load_state: "loaded",
      active_state: "active",
      sub_state: "running",
      unit_file_state: "enabled",
      following: "",
      object_path: "/org/freedesktop/systemd1/unit/ssh_2eservice",
      job_id: 0,
      job_type: "",
      job_path: "/",
      fragment_path: "/lib/systemd/system/ssh.service",
      user: "",
      source_path: "",
    });
    assertEquals([rows[1].user, rows[1].job_type, rows[1].unit_file_state], ["crond", "start", "disabled"]);
    assertEquals([rows[2].user, rows[2].source_path, rows[2].fragment_path], ["", "/etc/fstab", ""]);
    // Without the property columns only ListUnits is asked.
    const bare = generated(systemdUnits, fake.root, { used: ["id"] });
    assertEquals([bare.length, bare[0].fragment_path], [3, ""]);
    // Through a bus daemon the client says Hello first; the fake answers that too.
    assertEquals(listSystemdUnits([{ path: fake.socket, bus: true }], false)?.length, 3);
  } finally {
    fake.stop();
  }
});

Deno.test("systemd_units: no manager socket means no units, not an error", () => {
  assertEquals(listSystemdUnits([{ path: "/nonexistent/private", bus: false }]), undefined);
  assertEquals(generated(systemdUnits, "/nonexistent"), []);
  const rows = new Engine().query("SELECT id, active_state FROM systemd_units");
  assert(Array.isArray(rows));
});

function hasDbusDaemon(): boolean {
  try {
    return new Deno.Command("dbus-daemon", { args: ["--version"], stdout: "null", stderr: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
}

const dbusDaemon = hasDbusDaemon();
if (!dbusDaemon) console.warn("systemd_units_test: the dbus-daemon test is skipped: install dbus-daemon");

Deno.test({
  name: "dbus: the client authenticates, says Hello and pipelines calls to a real dbus-daemon",
  ignore: !dbusDaemon,
  async fn() {
    const dir = Deno.makeTempDirSync();
    const socket = `${dir}/bus.sock`;
    Deno.writeTextFileSync(
      `${dir}/bus.conf`,
      `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:path=${socket}</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*"/><allow receive_sender="*"/><allow own="*"/></policy>
</busconfig>`,
    );
    const daemon = new Deno.Command("dbus-daemon", {
      args: [`--config-file=${dir}/bus.conf`, "--nofork"],
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      await waitFor("dbus-daemon to create its socket", () => Deno.statSync(socket));
      const conn = DBusConnection.open(socket, true);
      assert(conn !== undefined);
      const bus = { destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus" };
      const [names, owner, features, missing] = conn.call([
        { ...bus, interface: "org.freedesktop.DBus", member: "ListNames" },
        {
          ...bus,
          interface: "org.freedesktop.DBus",
          member: "GetNameOwner",
          signature: "s",
          body: ["org.freedesktop.DBus"],
        },
        {
          ...bus,
          interface: "org.freedesktop.DBus.Properties",
          member: "GetAll",
          signature: "s",
          body: ["org.freedesktop.DBus"],
        },
        { ...bus, interface: "org.freedesktop.DBus", member: "NoSuchMethod" },
      ]);
      conn.close();
      assert(names.ok && (names.body[0] as string[]).includes("org.freedesktop.DBus"));
      assertEquals(owner, { ok: true, body: ["org.freedesktop.DBus"] });
      assert(features.ok && Array.isArray(features.body[0]));
      assertEquals(missing, { ok: false, error: "org.freedesktop.DBus.Error.UnknownMethod" });
      // A bus without systemd on it: the unit list is unavailable, not an error.
      assertEquals(listSystemdUnits([{ path: socket, bus: true }]), undefined);
    } finally {
      daemon.kill();
      await daemon.status;
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test("systemd_units: hundreds of units arrive intact across batches and partial reads", async () => {
  const units: DBusValue[][] = [];
  const properties: Record<string, string> = {};
  for (let i = 0; i < 700; i++) {
    const path = `/org/freedesktop/systemd1/unit/u${i}_2eservice`;
    units.push([
      `u${i}.service`,
      `Unit number ${i} ${"x".repeat(i % 50)}`,
      "loaded",
      "active",
      "running",
      "",
      path,
      i,
      "",
      "/",
    ]);
    properties[`${path} org.freedesktop.systemd1.Unit.FragmentPath`] = `/etc/systemd/system/u${i}.service`;
    properties[`${path} org.freedesktop.systemd1.Service.User`] = `user${i}`;
  }
  const fake = await startFakeSystemd(units, properties);
  try {
    const got = listSystemdUnits([{ path: fake.socket, bus: false }])!;
    assertEquals(got.length, 700);
    for (const [i, u] of got.entries()) {
      assertEquals([u.id, u.jobId, u.fragmentPath, u.user, u.sourcePath], [
        `u${i}.service`,
        i,
        `/etc/systemd/system/u${i}.service`,
        `user${i}`,
        "",
      ]);
    }
  } finally {
    fake.stop();
  }
});
