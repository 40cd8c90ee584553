import { assert, assertEquals } from "../../testing/assert.ts";
import usersTable from "./users.ts";
import authorizedKeysTable, { parseAuthorizedKeyLine } from "./authorized_keys.ts";
import knownHostsTable from "./known_hosts.ts";
import sshConfigsTable from "./ssh_configs.ts";
import shellHistoryTable, { historyRows } from "./shell_history.ts";
import userSshKeysTable from "./user_ssh_keys.ts";
import { finiteFieldSecurityBits, privateKeyInfo, rsaSecurityBits } from "./_sshkey.ts";
import { fixtureHost, tableEngine, testdata } from "../../testing/table_engine.ts";
import { Engine } from "../../core/engine.ts";
import "./mod.ts";

const perUser = () =>
  tableEngine(
    [usersTable, authorizedKeysTable, knownHostsTable, sshConfigsTable, shellHistoryTable, userSshKeysTable],
    fixtureHost(testdata("users", "root")),
  );

Deno.test("authorized_keys: without a uid constraint only the user osq runs as is scanned", () => {
  const e = perUser();
  assertEquals(e.query("select uid, key, key_file from authorized_keys"), [
    { uid: 0, key: "AAAAroot", key_file: "/root/.ssh/authorized_keys" },
  ]);
});

Deno.test("authorized_keys: users CROSS JOIN authorized_keys USING (uid) covers every user", () => {
  const e = perUser();
  const rows = e.query(
    "select u.username, a.algorithm, a.key from users u cross join authorized_keys a using (uid) order by u.username, a.key",
  );
  assertEquals(rows.map((r) => `${r.username}:${r.algorithm}:${r.key}`), [
    // The NIS line `+nisuser` has uid 0, as glibc returns it: it joins root's keys, as in osquery.
    "+nisuser:ssh-ed25519:AAAAroot",
    ...["alice", "alice2"].flatMap((name) => [
      `${name}::`,
      `${name}:ssh-rsa:AAAAB3NzaC1yc2EAAAADAQABAAABAQ`,
      `${name}:ssh-ed25519:AAAAC3NzaC1lZDI1NTE5AAAAIAlice`,
      `${name}:ssh-ed25519:AAAAC3NzaC1lZDI1NTE5AAAAIAlice2`,
      `${name}:ecdsa-sha2-nistp256:AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAA`,
      `${name}:sk-ssh-ed25519@openssh.com:AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29t`,
    ]),
    "bob:ssh-rsa:AAAAbob",
    "root:ssh-ed25519:AAAAroot",
  ]);
});

Deno.test("authorized_keys: JOIN ... USING (uid) gives the same rows as CROSS JOIN", () => {
  const e = perUser();
  const cross = e.query("select u.uid, a.key from users u cross join authorized_keys a using (uid) order by 1, 2");
  const join = e.query("select u.uid, a.key from users u join authorized_keys a using (uid) order by 1, 2");
  assertEquals(join, cross);
  assert(join.length > 3);
});

Deno.test("authorized_keys: options, comments and the z/OS key-ring form", () => {
  const e = perUser();
  const rows = e.query("select algorithm, key, options, comment from authorized_keys where uid = 1000");
  assertEquals(rows, [
    { algorithm: "ssh-ed25519", key: "AAAAC3NzaC1lZDI1NTE5AAAAIAlice", options: "", comment: "alice@laptop" },
    { algorithm: "ssh-rsa", key: "AAAAB3NzaC1yc2EAAAADAQABAAABAQ", options: "", comment: "" },
    {
      algorithm: "ecdsa-sha2-nistp256",
      key: "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAA",
      options: 'from="10.0.0.0/8",no-pty',
      comment: "work key with spaces",
    },
    {
      algorithm: "sk-ssh-ed25519@openssh.com",
      key: "AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29t",
      options: 'command="/bin/ls"',
      comment: "yubikey",
    },
    {
      algorithm: "",
      key: "",
      options: 'zos-key-ring-label="KeyRingOwner/SSHAuthKeysRing uniq-ssh-rsa"',
      comment: "",
    },
    { algorithm: "ssh-ed25519", key: "AAAAC3NzaC1lZDI1NTE5AAAAIAlice2", options: "", comment: "" },
  ]);
});

Deno.test("authorized_keys: a type with no key, a certificate type and garbage give no row", () => {
  assertEquals(parseAuthorizedKeyLine("ssh-rsa"), undefined);
  assertEquals(parseAuthorizedKeyLine("ssh-rsa   "), undefined);
  assertEquals(parseAuthorizedKeyLine("ssh-rsa-cert-v01@openssh.com AAAA x"), undefined);
  assertEquals(parseAuthorizedKeyLine("random words"), undefined);
});

Deno.test("known_hosts: lines per uid, comments and blanks skipped", () => {
  const e = perUser();
  assertEquals(e.query("select key, key_file from known_hosts where uid = 1000"), [
    {
      key: "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
      key_file: "/home/alice/.ssh/known_hosts",
    },
    { key: "|1|abc=|def= ecdsa-sha2-nistp256 AAAAE2VjZHNh", key_file: "/home/alice/.ssh/known_hosts" },
  ]);
  assertEquals(e.query("select * from known_hosts"), []);
});

Deno.test("ssh_configs: options with their lower-cased block, plus the system file as uid 0", () => {
  const e = perUser();
  assertEquals(e.query("select uid, block, option, ssh_config_file from ssh_configs where uid = 1000"), [
    { uid: 1000, block: "", option: "forwardagent no", ssh_config_file: "/home/alice/.ssh/config" },
    { uid: 1000, block: "host github.com", option: "user git", ssh_config_file: "/home/alice/.ssh/config" },
    {
      uid: 1000,
      block: "host github.com",
      option: "identityfile ~/.ssh/id_ed25519",
      ssh_config_file: "/home/alice/.ssh/config",
    },
    {
      uid: 1000,
      block: 'match host *.corp exec "true"',
      option: "proxyjump bastion",
      ssh_config_file: "/home/alice/.ssh/config",
    },
    // "Host<TAB>tabbed" does not open a block for osquery, so it is an option of the Match block.
    {
      uid: 1000,
      block: 'match host *.corp exec "true"',
      option: "host\ttabbed",
      ssh_config_file: "/home/alice/.ssh/config",
    },
    {
      uid: 1000,
      block: 'match host *.corp exec "true"',
      option: "port 2222",
      ssh_config_file: "/home/alice/.ssh/config",
    },
  ]);
  assertEquals(e.query("select block, option from ssh_configs where ssh_config_file = '/etc/ssh/ssh_config'"), [
    { block: "host *", option: "sendenv lang lc_*" },
    { block: "host *", option: "hashknownhosts yes" },
  ]);
});

Deno.test("shell_history: bash timestamps, zsh extended entries, blank lines and sessions", () => {
  const e = perUser();
  const rows = e.query("select time, command, history_file from shell_history where uid = 1000");
  assertEquals(rows.map((r) => [r.time, r.command, String(r.history_file).replace("/home/alice/", "")]), [
    [1700000000, "ls -la", ".bash_history"],
    [1700000100, "#1700000200", ".bash_history"],
    [0, "echo hi", ".bash_history"],
    [0, "plain command", ".bash_history"],
    [0, "", ".bash_history"],
    [0, "#notanumber", ".bash_history"],
    [1700000300, "git status", ".zsh_history"],
    [1700000400, "make test", ".zsh_history"],
    [0, "not extended", ".zsh_history"],
    [0, ": 123456789012:0;too long stamp", ".zsh_history"],
    [0, "session one", ".bash_sessions/ABC.history"],
    [0, "session two", ".bash_sessions/DEF.history"],
  ]);
});

Deno.test("shell_history: the current user without a constraint; a trailing timestamp alone is dropped", () => {
  const e = perUser();
  assertEquals(e.query("select uid, command from shell_history"), [{ uid: 0, command: "whoami" }]);
  assertEquals(historyRows("#1700000000", 5, "f"), []);
  assertEquals(historyRows("a\r\nb", 5, "f").map((r) => r.command), ["a\r", "b"]);
});

Deno.test("user_ssh_keys: private keys found, public keys, dot-files, subdirectories and junk skipped", () => {
  const e = perUser();
  const rows = e.query(
    "select path, encrypted, key_type, key_group_name, key_length, key_security_bits from user_ssh_keys where uid = 1000",
  );
  const byName = Object.fromEntries(rows.map((r) => [String(r.path).replace("/home/alice/.ssh/", ""), r]));
  assertEquals(Object.keys(byName).sort(), [
    "id_dsa",
    "id_ec384_pkcs8",
    "id_ecdsa",
    "id_ed25519",
    "id_ed25519_enc",
    "id_ed25519_pkcs8",
    "id_pkcs8_enc",
    "id_rsa",
    "id_rsa3072_pkcs8",
    "id_rsa_enc",
  ]);
  const shape = (n: string) => {
    const { encrypted, key_type, key_group_name, key_length, key_security_bits } = byName[n];
    return [encrypted, key_type, key_group_name, key_length, key_security_bits];
  };
  assertEquals(shape("id_rsa"), [0, "rsa", "", 2048, 112]);
  assertEquals(shape("id_rsa3072_pkcs8"), [0, "rsa", "", 3072, 128]);
  assertEquals(shape("id_ecdsa"), [0, "ec", "prime256v1", 256, 128]);
  assertEquals(shape("id_ec384_pkcs8"), [0, "ec", "secp384r1", 384, 192]);
  assertEquals(shape("id_ed25519_pkcs8"), [0, "", "", 256, 128]);
  assertEquals(shape("id_dsa"), [0, "dsa", "", 1024, 80]);
  assertEquals(shape("id_ed25519"), [0, "", "", -1, -1]);
  assertEquals(shape("id_ed25519_enc"), [1, "", "", -1, -1]);
  assertEquals(shape("id_rsa_enc"), [1, "", "", -1, -1]);
  assertEquals(shape("id_pkcs8_enc"), [1, "", "", -1, -1]);
});

Deno.test("user_ssh_keys: non-key text and corrupt PEM are not keys", () => {
  assertEquals(privateKeyInfo("ssh-ed25519 AAAA comment\n"), undefined);
  assertEquals(
    privateKeyInfo(Deno.readTextFileSync(testdata("users", "root", "home", "alice", ".ssh", "corrupt_key"))),
    undefined,
  );
  assertEquals(privateKeyInfo("-----BEGIN RSA PRIVATE KEY-----\nMAA=\n-----END RSA PRIVATE KEY-----\n"), undefined);
  assertEquals(privateKeyInfo(""), undefined);
});

Deno.test("user_ssh_keys: OpenSSL's security-bit figures", () => {
  assertEquals([1024, 2048, 3072, 4096, 8192].map(rsaSecurityBits), [80, 112, 128, 152, 200]);
  assertEquals(finiteFieldSecurityBits(2048, 224), 112);
  assertEquals(finiteFieldSecurityBits(1024, 160), 80);
  assertEquals(finiteFieldSecurityBits(512), 0);
});

Deno.test("per-user tables: live host runs each table joined with users", () => {
  const e = new Engine();
  for (const t of ["authorized_keys", "known_hosts", "ssh_configs", "shell_history", "user_ssh_keys"]) {
    const rows = e.query(`select u.uid, t.uid as tuid from users u cross join ${t} t using (uid)`);
    for (const r of rows) assertEquals(r.uid, r.tuid);
  }
  assertEquals(e.query("select * from authorized_keys where uid = 424242"), []);
});
