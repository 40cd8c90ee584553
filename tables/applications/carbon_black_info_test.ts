import type { Engine } from "../../core/engine.ts";
import { assertEquals } from "../../testing/assert.ts";
import { fixtureHost, tableEngine, testdata } from "../../testing/table_engine.ts";
import carbonBlackTable, { parseIni, parseSensorId } from "./carbon_black_info.ts";

const FIXTURE = testdata("applications", "cb");

function engineOver(root: string): Engine {
  return tableEngine([carbonBlackTable], fixtureHost(root));
}

Deno.test("carbon_black_info: sensor id, [CB] settings, backend server and queue sizes from /var/lib/cb", () => {
  const engine = engineOver(FIXTURE);
  try {
    assertEquals(engine.query("SELECT * FROM carbon_black_info"), [{
      sensor_id: 42,
      config_name: "Linux Servers",
      collect_store_files: 1,
      collect_module_loads: 1,
      collect_module_info: 0,
      collect_file_mods: 1,
      collect_reg_mods: 0,
      collect_net_conns: 1,
      collect_processes: 1,
      collect_cross_processes: 0,
      collect_emet_events: -1, // absent from the file
      collect_data_file_writes: 0,
      collect_process_user_context: 0,
      collect_sensor_operations: 0,
      log_file_disk_quota_mb: 0,
      log_file_disk_quota_percentage: 0,
      protection_disabled: 1,
      sensor_ip_addr: "10.0.8.15",
      sensor_backend_server: "https://cb.example.test:443",
      event_queue: 4196,
      binary_queue: 1024,
    }]);
  } finally {
    engine.close();
  }
});

Deno.test("carbon_black_info: a host without /var/lib/cb has no row", async () => {
  const empty = await Deno.makeTempDir();
  const engine = engineOver(empty);
  try {
    assertEquals(engine.query("SELECT * FROM carbon_black_info"), []);
  } finally {
    engine.close();
    await Deno.remove(empty, { recursive: true });
  }
});

Deno.test("carbon_black_info: a sensor directory without settings still reports its queues", async () => {
  const root = await Deno.makeTempDir();
  const engine = engineOver(root);
  try {
    await Deno.mkdir(`${root}/var/lib/cb`, { recursive: true });
    await Deno.writeTextFile(`${root}/var/lib/cb/events.dat`, "x".repeat(10));
    await Deno.writeTextFile(`${root}/var/lib/cb/sensor.id`, "not sixteen");
    const [row] = engine.query("SELECT sensor_id, config_name, event_queue, binary_queue FROM carbon_black_info");
    assertEquals(row, { sensor_id: null, config_name: "", event_queue: 10, binary_queue: 0 });
  } finally {
    engine.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("carbon_black: INI sections, comments and CRLF; sensor id needs exactly 16 characters", () => {
  const ini = parseIni("\uFEFF; top\r\n[CB]\r\nA = 1\r\n# c\r\n[Other]\r\nA=2\r\nnot a pair\r\n");
  assertEquals(ini.get("CB")?.get("A"), "1");
  assertEquals(ini.get("Other")?.get("A"), "2");
  assertEquals(parseSensorId("{0000000-0002a}\n"), 42);
  assertEquals(parseSensorId("0000000000000000000"), undefined);
  assertEquals(parseSensorId("{0000000-zzzzz}\n"), undefined);
});

Deno.test("carbon_black_info: answers to osquery's alias cb_info", () => {
  const engine = engineOver(FIXTURE);
  try {
    assertEquals(engine.query("SELECT sensor_id FROM cb_info"), [{ sensor_id: 42 }]);
  } finally {
    engine.close();
  }
});
