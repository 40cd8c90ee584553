/**
 * Facts about this osq process that tables report and faces update: when it started, its
 * identity (host UUID, instance id), and the state of config, extensions and watchdog.
 *
 * @module
 */

/** Mutable process state; faces (shell, daemon, extension manager) set what they own. */
export const runtime = {
  /** Unix seconds when this process started. */
  startTime: Math.floor(Date.now() / 1000),
  /** A random id for this process (the daemon replaces it with its database's instance id). */
  instanceId: crypto.randomUUID(),
  /** SHA-1 of the active config ("" when none is loaded). */
  configHash: "",
  /** Whether the active config parsed and validated. */
  configValid: false,
  /** Whether the extension manager is serving its socket. */
  extensionsActive: false,
  /** PID of the watchdog process supervising this worker, or -1. */
  watcherPid: -1,
};

let cachedHostUuid: string | undefined;

/** Formats 32 hex digits as an 8-4-4-4-12 UUID. */
function asUuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The host's UUID: the SMBIOS system UUID when the firmware exposes one, else the systemd
 * machine id shaped as a UUID (stable across restarts), else a per-process random UUID.
 */
export function hostUuid(root = ""): string {
  if (cachedHostUuid !== undefined && root === "") return cachedHostUuid;
  let uuid: string | undefined;
  try {
    const dmi = Deno.readTextFileSync(`${root}/sys/class/dmi/id/product_uuid`).trim();
    if (/^[0-9a-f-]{36}$/i.test(dmi)) uuid = dmi.toUpperCase();
  } catch {
    // No SMBIOS (containers, some VMs): fall back to the machine id.
  }
  if (!uuid) {
    for (const path of [`${root}/etc/machine-id`, `${root}/var/lib/dbus/machine-id`]) {
      try {
        const id = Deno.readTextFileSync(path).trim();
        if (/^[0-9a-f]{32}$/i.test(id)) {
          uuid = asUuid(id).toUpperCase();
          break;
        }
      } catch {
        // try the next source
      }
    }
  }
  uuid ??= crypto.randomUUID().toUpperCase();
  if (root === "") cachedHostUuid = uuid;
  return uuid;
}

/** osquery's platform mask for this OS (POSIX 0x01 | LINUX 0x08, or POSIX | DARWIN 0x04). */
export function platformMask(): number {
  return Deno.build.os === "darwin" ? 0x01 | 0x04 : 0x01 | 0x08;
}
