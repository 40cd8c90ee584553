import { assertEquals } from "../../testing/assert.ts";
import { TestDaemon } from "../../testing/test_daemon.ts";

const FLAGS = ["--disable_watchdog", "--enable_file_events", "--disable_events=false", "--logger_rotate=false"];

Deno.test({
  name: "daemon: file events survive kill -9 and each is logged once by the scheduled query",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const d = new TestDaemon();
    const w = `${d.dir}/watched`;
    d.writeConfig({
      schedule: { fe: { query: "SELECT target_path, action, eid FROM file_events", interval: 1 } },
      file_paths: { watched: [`${w}/%%`] },
    });
    type Added = { target_path: string; action: string; eid: string };
    const added = () => d.lines().filter((l) => l.name === "fe" && l.action === "added").map((l) => l.columns as Added);
    const logged = (path: string) => added().some((r) => r.target_path === path && r.action === "CREATED");
    try {
      d.start(FLAGS);
      // Files keep coming until the daemon's watches see one (start-up time varies with load).
      let n = 0;
      await d.waitFor("a first file event", () => {
        Deno.writeTextFileSync(`${w}/a${n++}`, "x");
        return added().length > 0;
      }, 120);
      Deno.kill(d.child!.pid, "SIGKILL");
      await d.kill();
      d.start(FLAGS);
      let m = 0;
      await d.waitFor("a file event after the restart", () => {
        Deno.writeTextFileSync(`${w}/b${m++}`, "x");
        return added().some((r) => r.target_path.includes("/b"));
      }, 120);
      await d.stop();
      const keys = added().map((r) => `${r.eid} ${r.action} ${r.target_path}`);
      assertEquals(keys.length, new Set(keys).size, `an event was logged twice:\n${keys.join("\n")}`);
      assertEquals(logged(`${w}/a0`) || added().some((r) => r.target_path.startsWith(`${w}/a`)), true);
    } finally {
      await d.kill();
      d.cleanup();
    }
  },
});
