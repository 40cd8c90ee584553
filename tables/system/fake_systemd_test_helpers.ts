/**
 * Test support: starts the fake systemd manager (fake_systemd_worker_test_helpers.ts) in a Worker on a unix
 * socket in a temporary directory, with a fixed unit list and properties.
 *
 * @module
 */
import type { DBusValue } from "../../testing/dbus_wire.ts";
import type { FakeSystemdConfig } from "./fake_systemd_worker_test_helpers.ts";

/** Units as the fake manager lists them. */
export const FAKE_UNITS: DBusValue[][] = [
  [
    "ssh.service",
    "OpenBSD Secure Shell server",
    "loaded",
    "active",
    "running",
    "",
    "/org/freedesktop/systemd1/unit/ssh_2eservice",
    0,
    "",
    "/",
  ],
  [
    "cron.service",
    "Regular background program processing daemon",
    "loaded",
    "inactive",
    "dead",
    "",
    "/org/freedesktop/systemd1/unit/cron_2eservice",
    7,
    "start",
    "/org/freedesktop/systemd1/job/7",
  ],
  [
    "-.mount",
    "Root Mount",
    "loaded",
    "active",
    "mounted",
    "",
    "/org/freedesktop/systemd1/unit/_2d_2emount",
    0,
    "",
    "/",
  ],
];

/** Properties the fake manager answers (units without an entry get UnknownProperty). */
export const FAKE_PROPERTIES: Record<string, string> = {
  "/org/freedesktop/systemd1/unit/ssh_2eservice org.freedesktop.systemd1.Unit.FragmentPath":
    "/lib/systemd/system/ssh.service",
  "/org/freedesktop/systemd1/unit/ssh_2eservice org.freedesktop.systemd1.Unit.SourcePath": "",
  "/org/freedesktop/systemd1/unit/ssh_2eservice org.freedesktop.systemd1.Service.User": "",
  "/org/freedesktop/systemd1/unit/ssh_2eservice org.freedesktop.systemd1.Unit.UnitFileState": "enabled",
  "/org/freedesktop/systemd1/unit/cron_2eservice org.freedesktop.systemd1.Unit.FragmentPath":
    "/lib/systemd/system/cron.service",
  "/org/freedesktop/systemd1/unit/cron_2eservice org.freedesktop.systemd1.Service.User": "crond",
  "/org/freedesktop/systemd1/unit/cron_2eservice org.freedesktop.systemd1.Unit.UnitFileState": "disabled",
  "/org/freedesktop/systemd1/unit/_2d_2emount org.freedesktop.systemd1.Unit.SourcePath": "/etc/fstab",
  "/org/freedesktop/systemd1/unit/_2d_2emount org.freedesktop.systemd1.Unit.UnitFileState": "generated",
};

/**
 * Starts the fake manager on systemd's private socket (run/systemd/private) under a temporary
 * host root; returns the root, the socket's path and a stop function.
 */
export async function startFakeSystemd(
  units: DBusValue[][] = FAKE_UNITS,
  properties: Record<string, string> = FAKE_PROPERTIES,
): Promise<{ root: string; socket: string; stop: () => void }> {
  const dir = Deno.makeTempDirSync();
  Deno.mkdirSync(`${dir}/run/systemd`, { recursive: true });
  const socket = `${dir}/run/systemd/private`;
  const worker = new Worker(new URL("./fake_systemd_worker_test_helpers.ts", import.meta.url).href, { type: "module" });
  const ready = new Promise<void>((resolve) => worker.onmessage = () => resolve());
  const config: FakeSystemdConfig = { socketPath: socket, units, properties };
  worker.postMessage(config);
  await ready;
  return {
    root: dir,
    socket,
    stop: () => {
      worker.terminate();
      Deno.removeSync(dir, { recursive: true });
    },
  };
}
