import { Engine } from "../../core/engine.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import systemControls, { parseSysctlConf } from "./system_controls.ts";
import { fixture, generated } from "./system_test_helpers.ts";

const root = fixture("host_a");
/** The rows for `equals` constraints on the fixture host_a. */
const controls = (equals: Record<string, string[]> = {}) => generated(systemControls, root, { equals });

Deno.test("system_controls: config files are merged, later sysctl.d files override, odd lines skipped", () => {
  const config = new Map(controls().map((r) => [r.name, r.config_value]));
  assertEquals(config.get("net.ipv4.ip_forward"), "1");
  assertEquals(config.get("vm.swappiness"), "20");
  assertEquals(config.get("kernel.sysrq"), undefined);
  const parsed = new Map<string, string>();
  parseSysctlConf("bad\n; comment\n# comment\na = b = c\nx.y = 1\n", parsed);
  assertEquals([...parsed], [["x.y", "1"]]);
});

Deno.test("system_controls: the whole tree walks directories first, names dotted", () => {
  const rows = controls();
  assertEquals(rows.map((r) => r.name), [
    "kernel.hostname",
    "kernel.sysrq",
    "net.ipv4.conf.all.rp_filter",
    "net.ipv4.ip_forward",
    "vm.swappiness",
  ]);
  const forward = rows.find((r) => r.name === "net.ipv4.ip_forward")!;
  assertEquals(forward, {
    name: "net.ipv4.ip_forward",
    subsystem: "net",
    current_value: "0",
    config_value: "1",
    type: "string",
  });
});

Deno.test("system_controls: name, subsystem and oid constraints", () => {
  assertEquals(controls({ name: ["vm.swappiness"] }).map((r) => r.current_value), ["60"]);
  assertEquals(controls({ name: ["no.such.key"] }), []);
  assertEquals(controls({ name: ["/etc/passwd", "../../etc"] }), []);
  assertEquals(controls({ subsystem: ["kernel"] }).length, 2);
  assertEquals(controls({ oid: ["1.1"] }), []);
});

Deno.test("system_controls: live kernel.ostype is Linux", () => {
  const rows = new Engine().query("SELECT current_value, subsystem FROM system_controls WHERE name = 'kernel.ostype'");
  assertEquals(rows, [{ current_value: "Linux", subsystem: "kernel" }]);
  const all = new Engine().query("SELECT count(*) AS n FROM system_controls WHERE subsystem = 'kernel'");
  assert(Number(all[0].n) > 10);
});

Deno.test("system_controls: a name set only in sysctl.d is a row with its config_value, as osquery reports it", () => {
  // testdata/system/host_a/etc/sysctl.d/50-hardening.conf sets kernel.kptr_restrict, absent from proc/sys.
  assertEquals(controls({ name: ["kernel.kptr_restrict"] }), [{
    name: "kernel.kptr_restrict",
    subsystem: "kernel",
    current_value: "",
    config_value: "2",
    type: "string",
  }]);
  // The full walk lists what the kernel has; config-only keys appear only when named.
  assertEquals(controls().some((r) => r.name === "kernel.kptr_restrict"), false);
});
