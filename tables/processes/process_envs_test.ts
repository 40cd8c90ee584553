import processEnvs from "./process_envs.ts";
import { assertEquals } from "../../testing/assert.ts";
import { fixtureHost, tableEngine, testdata } from "../../testing/table_engine.ts";

const engine = tableEngine([processEnvs]);
const fixture = tableEngine([processEnvs], fixtureHost(testdata("processes")));

Deno.test("process_envs: a variable given to a child process shows for its pid", async () => {
  const child = new Deno.Command("sleep", {
    args: ["30"],
    env: { OSQ_PROCESS_ENVS_MARKER: "marker=value with spaces" },
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    const rows = engine.query("SELECT pid, key, value FROM process_envs WHERE pid = ? AND key LIKE 'OSQ_%'", [
      child.pid,
    ]);
    assertEquals(rows, [{ pid: child.pid, key: "OSQ_PROCESS_ENVS_MARKER", value: "marker=value with spaces" }]);
  } finally {
    child.kill();
    await child.status;
  }
});

Deno.test("process_envs: our own environment is listed for our pid", () => {
  const rows = engine.query("SELECT key FROM process_envs WHERE pid = ?", [Deno.pid]);
  const initial = Deno.readTextFileSync("/proc/self/environ").split("\0").filter((e) => e !== "");
  assertEquals(rows.length, initial.length);
});

Deno.test("process_envs: fixture environments split at '=' and decode UTF-8", () => {
  const rows = fixture.query("SELECT * FROM process_envs");
  assertEquals(rows.filter((r) => r.pid === 42), [
    { pid: 42, key: "LANG", value: "C.UTF-8" },
    { pid: 42, key: "GREETING", value: "h\u00e9llo" },
  ]);
  assertEquals(rows.filter((r) => r.pid === 1).map((r) => r.key), ["HOME", "PATH", "EMPTY", "NOEQUALS", "EQ"]);
  const missing = fixture.query("SELECT * FROM process_envs WHERE pid = 80");
  assertEquals(missing, []); // no environ file: no rows, no error
});

Deno.test("process_envs: an entry without '=' is its own key and value, as osquery reports it", () => {
  // testdata/processes/proc/1/environ holds "NOEQUALS" between ordinary entries.
  const rows = fixture.query("SELECT * FROM process_envs WHERE pid = 1");
  assertEquals(rows.find((r) => r.pid === 1 && r.key === "NOEQUALS"), { pid: 1, key: "NOEQUALS", value: "NOEQUALS" });
});
