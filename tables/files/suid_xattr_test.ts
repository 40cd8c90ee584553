import { assert, assertEquals } from "../../testing/assert.ts";
import { fixtureHost, tableEngine } from "../../testing/table_engine.ts";
import suidBin, { suidBinRows, suidPermissions } from "./suid_bin.ts";
import extendedAttributes, { presentValue } from "./extended_attributes.ts";
import { setXattr } from "./_xattr.ts";

Deno.test("suid_bin: setuid/setgid files found recursively and named from the tree's passwd; symlinked directories not entered", () => {
  const root = Deno.makeTempDirSync({ prefix: "osq-suid-" });
  const elsewhere = Deno.makeTempDirSync({ prefix: "osq-suid-other-" });
  try {
    Deno.mkdirSync(`${root}/usr/bin/nested`, { recursive: true });
    Deno.mkdirSync(`${root}/etc`);
    Deno.writeTextFileSync(
      `${root}/etc/passwd`,
      "root:x:0:0:root:/root:/bin/sh\nalice:x:4243:4243::/home/alice:/bin/sh\n",
    );
    Deno.writeTextFileSync(`${root}/etc/group`, "root:x:0:\nwheel:x:4242:\n");
    // chown clears setuid/setgid bits, so ownership is set before the mode.
    const make = (path: string, mode: number, uid = 0, gid = 0) => {
      Deno.writeTextFileSync(path, "#!/bin/sh\n");
      Deno.chownSync(path, uid, gid);
      Deno.chmodSync(path, mode);
    };
    make(`${root}/usr/bin/su`, 0o4755);
    make(`${root}/usr/bin/wall`, 0o2755, 0, 4242);
    make(`${root}/usr/bin/both`, 0o6755);
    make(`${root}/usr/bin/plain`, 0o755);
    make(`${root}/usr/bin/nested/deep`, 0o4711, 4243, 0);
    make(`${root}/usr/bin/nested/nameless`, 0o4711, 4244, 4245);
    make(`${elsewhere}/hidden-suid`, 0o4755);
    Deno.symlinkSync(elsewhere, `${root}/usr/bin/linkdir`);
    const e = tableEngine([suidBin], fixtureHost(root));
    const rows = e.query("select path, username, groupname, permissions from suid_bin order by path");
    assertEquals(rows, [
      { path: "/usr/bin/both", username: "root", groupname: "root", permissions: "SG" },
      { path: "/usr/bin/nested/deep", username: "alice", groupname: "root", permissions: "S" },
      { path: "/usr/bin/nested/nameless", username: "4244", groupname: "4245", permissions: "S" },
      { path: "/usr/bin/su", username: "root", groupname: "root", permissions: "S" },
      { path: "/usr/bin/wall", username: "root", groupname: "wheel", permissions: "G" },
    ]);
  } finally {
    Deno.removeSync(root, { recursive: true });
    Deno.removeSync(elsewhere, { recursive: true });
  }
});

Deno.test("suid_bin: permission letters; the live table runs over osquery's directories, also in our own namespace", () => {
  assertEquals([suidPermissions(0o4755), suidPermissions(0o2755), suidPermissions(0o6755), suidPermissions(0o755)], [
    "S",
    "G",
    "SG",
    "",
  ]);
  const e = tableEngine([suidBin]);
  const rows = e.query("select path, permissions from suid_bin");
  for (const r of rows) assert(r.permissions === "S" || r.permissions === "G" || r.permissions === "SG");
  // Through our own /proc/<pid>/root the same files are found and the pid is echoed.
  const inNs = e.query(`select path, pid_with_namespace from suid_bin where pid_with_namespace = ${Deno.pid}`);
  assertEquals(inNs.map((r) => r.path).sort(), rows.map((r) => r.path).sort());
  assert(inNs.every((r) => r.pid_with_namespace === Deno.pid));
  const missing = "/nonexistent-osq-fixture";
  assertEquals(suidBinRows({ pid: 0, host: fixtureHost(missing), root: missing }), []);
});

Deno.test("extended_attributes: printable NUL-terminated values are text, others base64", () => {
  assertEquals(presentValue(new TextEncoder().encode("hello\0")), { value: "hello", base64: 0 });
  assertEquals(presentValue(new TextEncoder().encode("hello")), { value: "aGVsbG8=", base64: 1 });
  assertEquals(presentValue(new Uint8Array([1, 2, 3, 0])), { value: "AQIDAA==", base64: 1 });
  assertEquals(presentValue(new Uint8Array()), { value: "", base64: 1 });
});

Deno.test("extended_attributes: user attributes and file capabilities of a file in a fixture tree", () => {
  const dir = Deno.makeTempDirSync({ prefix: "osq-xattr-" });
  try {
    const path = `${dir}/f`;
    Deno.writeTextFileSync(path, "x");
    Deno.writeTextFileSync(`${dir}/plain`, "y");
    const e = tableEngine([extendedAttributes], fixtureHost(dir));
    const supported = setXattr(path, "user.note", new TextEncoder().encode("hello\0"));
    if (!supported) {
      console.warn(`${dir}'s filesystem has no user xattrs: checked only that the table answers with no rows`);
      assertEquals(e.query("select * from extended_attributes where path = '/f'"), []);
      return;
    }
    setXattr(path, "user.bin", new Uint8Array([0xff, 0x00, 0x10]));
    // vfs_cap_data revision 2 with cap_net_raw (13) permitted and the effective flag set.
    const caps = new Uint8Array(20);
    const view = new DataView(caps.buffer);
    view.setUint32(0, 0x02000001, true);
    view.setUint32(4, 1 << 13, true);
    const capsSet = setXattr(path, "security.capability", caps);
    const rows = e.query("select path, directory, key, value, base64 from extended_attributes where path = '/f'");
    const byKey = Object.fromEntries(rows.map((r) => [r.key, r]));
    assertEquals(byKey["user.note"], { path: "/f", directory: "/", key: "user.note", value: "hello", base64: 0 });
    assertEquals(byKey["user.bin"].value, "/wAQ");
    assertEquals(byKey["user.bin"].base64, 1);
    if (capsSet) {
      const cap = byKey["security.capability"];
      assert(
        cap.value === "cap_net_raw=ep" || (cap.base64 === 1 && cap.value === caps.toBase64()),
        String(cap.value),
      );
    }
    // directory = lists the directory's entries; a file without attributes gives no rows.
    const inDir = e.query("select path, directory from extended_attributes where directory = '/'");
    assert(inDir.length === rows.length && inDir.every((r) => r.path === "/f" && r.directory === "/"));
    assertEquals(e.query("select * from extended_attributes where path = '/plain'"), []);
    assertEquals(e.query("select * from extended_attributes where path = '/missing'"), []);
    assertEquals(e.query("select key from extended_attributes where path like '/%' and key = 'user.note'"), [{
      key: "user.note",
    }]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
