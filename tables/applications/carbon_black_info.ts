/**
 * carbon_black_info: the Carbon Black (CB Response) Linux sensor's id, settings and on-disk
 * queues, from /var/lib/cb: `sensor.id`, the `[CB]` section of `sensorsettings.ini`, and the
 * sizes of queued binaries (`filedata`/`metadata` files) and event files (`events.*`).
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import type { Host } from "../../core/host/host.ts";
import { isDirectory, readText } from "../../core/host/files.ts";

export default registerTable(defineTable({
  name: "carbon_black_info",
  aliases: ["cb_info"],
  description: "The Carbon Black sensor's id, collection settings, backend server and queued data sizes.",
  columns: [
    { name: "sensor_id", type: "INTEGER", description: "The sensor's id, read from sensor.id." },
    { name: "config_name", type: "TEXT", description: "The name of the sensor group configuration the server pushed." },
    {
      name: "collect_store_files",
      type: "INTEGER",
      description: "1 when the sensor uploads binaries it sees (-1: not set).",
    },
    { name: "collect_module_loads", type: "INTEGER", description: "1 when module loads are recorded (-1: not set)." },
    { name: "collect_module_info", type: "INTEGER", description: "1 when module details are recorded (-1: not set)." },
    { name: "collect_file_mods", type: "INTEGER", description: "1 when file changes are recorded (-1: not set)." },
    { name: "collect_reg_mods", type: "INTEGER", description: "1 when registry changes are recorded (-1: not set)." },
    {
      name: "collect_net_conns",
      type: "INTEGER",
      description: "1 when network connections are recorded (-1: not set).",
    },
    { name: "collect_processes", type: "INTEGER", description: "1 when process starts are recorded (-1: not set)." },
    {
      name: "collect_cross_processes",
      type: "INTEGER",
      description: "1 when cross-process events are recorded (-1: not set).",
    },
    { name: "collect_emet_events", type: "INTEGER", description: "1 when EMET events are recorded (-1: not set)." },
    {
      name: "collect_data_file_writes",
      type: "INTEGER",
      description: "1 when writes to data files are recorded (0: not set).",
    },
    {
      name: "collect_process_user_context",
      type: "INTEGER",
      description: "1 when each process's user is recorded (0: not set).",
    },
    {
      name: "collect_sensor_operations",
      type: "INTEGER",
      description: "1 when the sensor's own operations are recorded (0: not set).",
    },
    {
      name: "log_file_disk_quota_mb",
      type: "INTEGER",
      description: "Disk space the event logs may take, in MB (0: not set).",
    },
    {
      name: "log_file_disk_quota_percentage",
      type: "INTEGER",
      description: "Disk space the event logs may take, in percent of the disk (0: not set).",
    },
    {
      name: "protection_disabled",
      type: "INTEGER",
      description: "1 when the sensor's tamper protection is off (0: not set).",
    },
    { name: "sensor_ip_addr", type: "TEXT", description: "The address the sensor reports for this host." },
    {
      name: "sensor_backend_server",
      type: "TEXT",
      description: "The URL of the Carbon Black server the sensor talks to.",
    },
    { name: "event_queue", type: "INTEGER", description: "Bytes of event files waiting to be sent." },
    { name: "binary_queue", type: "INTEGER", description: "Bytes of binaries and their metadata waiting to be sent." },
  ],
  generate(ctx) {
    return carbonBlackRows(ctx.host);
  },
}));

/** Settings columns by `[CB]` key; osquery reports -1 for a key the file lacks. */
const SETTINGS: [string, string][] = [
  ["collect_store_files", "CollectStoreFiles"],
  ["collect_module_loads", "CollectModuleLoads"],
  ["collect_module_info", "CollectModuleInfo"],
  ["collect_file_mods", "CollectFileMods"],
  ["collect_reg_mods", "CollectRegMods"],
  ["collect_net_conns", "CollectNetConns"],
  ["collect_processes", "CollectProcesses"],
  ["collect_cross_processes", "CollectCrossProcess"],
  ["collect_emet_events", "CollectEmetEvents"],
];

/** Settings the Linux sensor rarely writes; osquery reports 0 for them when absent. */
const OPTIONAL_SETTINGS: [string, string][] = [
  ["collect_data_file_writes", "CollectDataFileWrites"],
  ["collect_process_user_context", "CollectProcessUserContext"],
  ["collect_sensor_operations", "CollectSensorOperations"],
  ["log_file_disk_quota_mb", "LogFileDiskQuotaMb"],
  ["log_file_disk_quota_percentage", "LogFileDiskQuotaPercentage"],
  ["protection_disabled", "ProtectionDisabled"],
];

/** Parses an INI file into section → key → value (keys and sections as written; `;`/`#` comments). */
export function parseIni(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current = new Map<string, string>();
  sections.set("", current);
  for (const raw of text.replace(/^\uFEFF/, "").split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith(";") || line.startsWith("#")) continue;
    const section = /^\[(.*)\]$/.exec(line);
    if (section) {
      current = sections.get(section[1].trim()) ?? new Map();
      sections.set(section[1].trim(), current);
      continue;
    }
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    current.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return sections;
}

/** The sensor id: the hex digits after the 11th character of a 16-character sensor.id, as osquery reads it. */
export function parseSensorId(text: string): number | undefined {
  if (text.length !== 16) return undefined;
  const hex = /^[0-9a-fA-F]+/.exec(text.slice(11));
  return hex ? parseInt(hex[0], 16) : undefined;
}

function integerSetting(value: string | undefined, fallback: number): number | undefined {
  if (value === undefined) return fallback;
  return /^-?\d+$/.test(value) ? Number(value) : undefined;
}

function queueSizes(dir: string): { binary: number; events: number } {
  let binary = 0;
  let events = 0;
  const walk = (path: string, depth: number) => {
    if (depth > 16) return;
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(path)];
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = `${path}/${entry.name}`;
      if (entry.isDirectory) {
        walk(full, depth + 1);
        continue;
      }
      if (!entry.isFile) continue;
      const isBinary = entry.name === "filedata" || entry.name === "metadata";
      const dot = entry.name.lastIndexOf(".");
      const stem = dot > 0 ? entry.name.slice(0, dot) : entry.name;
      if (!isBinary && stem !== "events") continue;
      let size = 0;
      try {
        size = Deno.statSync(full).size;
      } catch {
        continue;
      }
      if (isBinary) binary += size;
      else events += size;
    }
  };
  walk(dir, 0);
  return { binary, events };
}

/** The sensor's row on `host`; none when /var/lib/cb is absent. */
export function carbonBlackRows(host: Host): Row[] {
  const dir = host.path("/var/lib/cb");
  if (!isDirectory(dir)) return [];
  const row: Row = {};
  // No sensor.id yet: the sensor has not registered.
  const sensorId = readText(`${dir}/sensor.id`);
  if (sensorId !== undefined) row.sensor_id = parseSensorId(sensorId);
  const ini = readText(`${dir}/sensorsettings.ini`);
  const settings = ini === undefined ? undefined : parseIni(ini).get("CB") ?? new Map<string, string>();
  if (settings !== undefined) {
    row.config_name = settings.get("ConfigName")?.replaceAll("%20", " ");
    for (const [column, key] of SETTINGS) row[column] = integerSetting(settings.get(key), -1);
    for (const [column, key] of OPTIONAL_SETTINGS) row[column] = integerSetting(settings.get(key), 0);
    row.sensor_ip_addr = settings.get("SensorIpAddr");
    row.sensor_backend_server = settings.get("SensorBackendServer")?.replaceAll("%3A", ":");
  }
  const { binary, events } = queueSizes(dir);
  row.event_queue = events;
  row.binary_queue = binary;
  return [row];
}
