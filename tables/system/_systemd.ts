/**
 * systemd's unit list over D-Bus (Manager.ListUnits plus per-unit properties), shared by
 * systemd_units and startup_items.
 *
 * Why D-Bus: a unit's load, active and sub state, its job, and which unit file it came from live
 * only in the running manager; unit files on disk cannot tell whether a unit is running, and
 * /run/systemd holds no complete state. osquery asks the manager over D-Bus, and so do we.
 *
 * @module
 */
import {
  type CallResult,
  DBusConnection,
  type DBusValue,
  type DBusVariant,
  type MethodCall,
} from "../../core/dbus/client.ts";
import type { Host } from "../../core/host/host.ts";

/** The units of the manager `host` runs, reached through its sockets under the host's root. */
export function hostSystemdUnits(host: Host, withProperties: boolean): SystemdUnit[] | undefined {
  return listSystemdUnits(SYSTEMD_SOCKETS.map((s) => ({ ...s, path: host.path(s.path) })), withProperties);
}

/** A socket to try: systemd's private socket (direct) or a bus daemon's (Hello first). */
export interface ManagerSocket {
  path: string;
  bus: boolean;
}

/** Where systemd can be reached, in the order tried. */
export const SYSTEMD_SOCKETS: ManagerSocket[] = [
  { path: "/run/systemd/private", bus: false },
  { path: "/run/dbus/system_bus_socket", bus: true },
  { path: "/var/run/dbus/system_bus_socket", bus: true },
];

/** One loaded unit. Property fields are "" when not requested or not applicable. */
export interface SystemdUnit {
  id: string;
  description: string;
  loadState: string;
  activeState: string;
  subState: string;
  following: string;
  objectPath: string;
  jobId: number;
  jobType: string;
  jobPath: string;
  fragmentPath: string;
  sourcePath: string;
  user: string;
  unitFileState: string;
}

const DESTINATION = "org.freedesktop.systemd1";
const UNIT_INTERFACE = "org.freedesktop.systemd1.Unit";
const SERVICE_INTERFACE = "org.freedesktop.systemd1.Service";

/** Unit properties read with Properties.Get: [property, interface, field]. */
const PROPERTIES: [string, string, "fragmentPath" | "sourcePath" | "user" | "unitFileState"][] = [
  ["FragmentPath", UNIT_INTERFACE, "fragmentPath"],
  ["SourcePath", UNIT_INTERFACE, "sourcePath"],
  ["User", SERVICE_INTERFACE, "user"],
  ["UnitFileState", UNIT_INTERFACE, "unitFileState"],
];

/** Calls per batch: replies are collected between batches so neither side's buffers fill. */
const BATCH = 256;

function text(v: DBusValue | undefined): string {
  return typeof v === "string" ? v : "";
}

/** Decodes ListUnits' a(ssssssouso) entries; malformed entries are skipped. */
export function decodeUnitList(body: DBusValue[]): SystemdUnit[] {
  const list = Array.isArray(body[0]) ? body[0] : [];
  const units: SystemdUnit[] = [];
  for (const entry of list) {
    if (!Array.isArray(entry) || entry.length !== 10) continue;
    units.push({
      id: text(entry[0]),
      description: text(entry[1]),
      loadState: text(entry[2]),
      activeState: text(entry[3]),
      subState: text(entry[4]),
      following: text(entry[5]),
      objectPath: text(entry[6]),
      jobId: typeof entry[7] === "number" ? entry[7] : 0,
      jobType: text(entry[8]),
      jobPath: text(entry[9]),
      fragmentPath: "",
      sourcePath: "",
      user: "",
      unitFileState: "",
    });
  }
  return units;
}

function callInBatches(conn: DBusConnection, calls: MethodCall[]): CallResult[] {
  const out: CallResult[] = [];
  for (let i = 0; i < calls.length; i += BATCH) out.push(...conn.call(calls.slice(i, i + BATCH)));
  return out;
}

/**
 * The manager's loaded units, or `undefined` when no systemd answers (not running, no access).
 * With `withProperties`, also each unit's FragmentPath, SourcePath, User and UnitFileState.
 */
export function listSystemdUnits(sockets: ManagerSocket[], withProperties = true): SystemdUnit[] | undefined {
  for (const socket of sockets) {
    const conn = DBusConnection.open(socket.path, socket.bus);
    if (!conn) continue;
    try {
      const [reply] = conn.call([{
        destination: DESTINATION,
        path: "/org/freedesktop/systemd1",
        interface: "org.freedesktop.systemd1.Manager",
        member: "ListUnits",
      }]);
      if (!reply.ok) continue;
      const units = decodeUnitList(reply.body);
      if (withProperties) {
        const calls: MethodCall[] = [];
        for (const unit of units) {
          for (const [property, iface] of PROPERTIES) {
            calls.push({
              destination: DESTINATION,
              path: unit.objectPath,
              interface: "org.freedesktop.DBus.Properties",
              member: "Get",
              signature: "ss",
              body: [iface, property],
            });
          }
        }
        const results = callInBatches(conn, calls);
        units.forEach((unit, u) => {
          PROPERTIES.forEach(([, , field], p) => {
            const r = results[u * PROPERTIES.length + p];
            // A unit that is not a service has no User: the Get fails and the column stays empty.
            if (r?.ok) unit[field] = text((r.body[0] as DBusVariant | undefined)?.value);
          });
        });
      }
      return units;
    } catch {
      continue;
    } finally {
      conn.close();
    }
  }
  return undefined;
}
