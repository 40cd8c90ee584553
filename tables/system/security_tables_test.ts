// Tests for selinux_settings and apparmor_profiles.
import { Engine } from "../../core/engine.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import selinuxSettings from "./selinux_settings.ts";
import apparmorProfiles from "./apparmor_profiles.ts";
import { fixture, generated } from "./system_test_helpers.ts";

Deno.test("selinux_settings: root keys, booleans, capabilities, contexts and classes", () => {
  const rows = generated(selinuxSettings, fixture("selinux_host"));
  const get = (scope: string, key: string) => rows.filter((r) => r.scope === scope && r.key === key);
  assertEquals(get("", "enforce"), [{ scope: "", key: "enforce", value: "1" }]);
  assertEquals(get("", "reject_unknown"), [{ scope: "", key: "reject_unknown", value: undefined }]);
  assertEquals(get("booleans", "httpd_can_network_connect")[0].value, "off");
  assertEquals(get("booleans", "ssh_sysadm_login")[0].value, "on");
  assertEquals(get("booleans", "pending_change"), []); // "1 0" is not a settled value
  assertEquals(get("policy_capabilities", "network_peer_controls")[0].value, "1");
  assertEquals(get("initial_contexts", "kernel")[0].value, "system_u:system_r:kernel_t:s0");
  assertEquals(rows.filter((r) => r.scope === "class").map((r) => `${r.key}:${r.value}`), [
    "dir/perms:search",
    "file/perms:read",
    "file/perms:write",
  ]);
});

Deno.test("selinux_settings: no selinuxfs mount, no rows", () => {
  assertEquals(generated(selinuxSettings, fixture("host_a")), []);
  assertEquals(generated(selinuxSettings, fixture("broken")), []);
});

Deno.test("apparmor_profiles: profiles and sub-profiles; incomplete ones skipped", () => {
  assertEquals(generated(apparmorProfiles, fixture("host_a")), [
    {
      path: "snap.firefox.firefox",
      name: "snap.firefox.firefox",
      attach: "/snap/firefox/*/firefox",
      mode: "enforce",
      sha1: "0a1b",
      sha256: "",
    },
    {
      path: "/usr/sbin/cupsd",
      name: "/usr/sbin/cupsd",
      attach: "/usr/sbin/cupsd",
      mode: "enforce",
      sha1: "",
      sha256: "ab12cd",
    },
    {
      path: "/usr/sbin/cupsd//third_party",
      name: "third_party",
      attach: "<unconfined>",
      mode: "complain",
      sha1: "",
      sha256: "ef34",
    },
  ]);
  assertEquals(generated(apparmorProfiles, fixture("broken")), []);
});

Deno.test("security tables: live queries run", () => {
  const engine = new Engine();
  assert(Array.isArray(engine.query("SELECT * FROM selinux_settings")));
  assert(Array.isArray(engine.query("SELECT * FROM apparmor_profiles")));
});
