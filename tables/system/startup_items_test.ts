import { Engine } from "../../core/engine.ts";
import { fixtureHost } from "../../core/host/host.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import startupItems, { homeDirectories, parseDesktopEntry } from "./startup_items.ts";
import { startFakeSystemd } from "./fake_systemd_test_helpers.ts";
import { fixture, generated } from "./system_test_helpers.ts";

Deno.test("startup_items: autostart entries, scripts and init.d from the fixture tree", () => {
  // No systemd answers on the fixture tree: the rows are the files'.
  const rows = generated(startupItems, fixture("host_a"));
  assertEquals(rows, [
    {
      name: "Root Tool",
      path: "/opt/tool",
      type: "Startup Item",
      source: "/root/.config/autostart/",
      status: "enabled",
      username: "root",
    },
    {
      name: undefined,
      path: undefined,
      type: "Startup Item",
      source: "/home/alice/.config/autostart/",
      status: "enabled",
      username: "alice",
    },
    {
      name: "Syncer",
      path: undefined,
      type: "Startup Item",
      source: "/home/alice/.config/autostart/",
      status: "enabled",
      username: "alice",
    },
    {
      name: "hello.sh",
      path: "/home/alice/.config/autostart-scripts/hello.sh",
      type: "Startup Item",
      source: "/home/alice/.config/autostart-scripts/",
      status: "enabled",
      username: "alice",
    },
    {
      name: "cron",
      path: "/etc/init.d/cron",
      type: "Startup Item",
      source: "/etc/init.d/",
      status: "enabled",
      username: undefined,
    },
    {
      name: "ssh",
      path: "/etc/init.d/ssh",
      type: "Startup Item",
      source: "/etc/init.d/",
      status: "enabled",
      username: undefined,
    },
    {
      name: "Print Queue Applet",
      path: "system-config-printer-applet",
      type: "Startup Item",
      source: "/etc/xdg/autostart/",
      status: "enabled",
      username: undefined,
    },
  ]);
});

Deno.test("startup_items: desktop entry parsing keeps only single '=' lines", () => {
  assertEquals(parseDesktopEntry("Name=A\nExec=run --x=1\nName[de]=B\n"), { name: "A" });
  assertEquals(parseDesktopEntry("\0\0"), {});
  assertEquals(homeDirectories(fixtureHost(fixture("host_a"))).map((h) => h.home), [
    "/root",
    "/usr/sbin",
    "/home/alice",
  ]);
});

Deno.test("startup_items: systemd units from a fake manager become rows", async () => {
  const fake = await startFakeSystemd();
  try {
    const rows = generated(startupItems, fake.root);
    assertEquals(rows[1], {
      name: "cron.service",
      path: "/lib/systemd/system/cron.service",
      type: "systemd unit",
      source: "",
      status: "inactive",
      username: "crond",
    });
  } finally {
    fake.stop();
  }
});

Deno.test("startup_items: live query lists this host's init scripts at least", () => {
  const rows = new Engine().query("SELECT name, type, source FROM startup_items");
  let scripts = 0;
  try {
    scripts = [...Deno.readDirSync("/etc/init.d")].filter((e) => !e.isDirectory).length;
  } catch {
    // no /etc/init.d on this host
  }
  assertEquals(rows.filter((r) => r.source === "/etc/init.d/").length, scripts);
  assert(rows.every((r) => r.type === "Startup Item" || r.type === "systemd unit"));
});
