import { assert, assertEquals } from "../../testing/assert.ts";
import sudoersTable, { sudoersRows } from "./sudoers.ts";
import crontabTable, { cronLine } from "./crontab.ts";
import { fixtureHost, tableEngine, testdata } from "../../testing/table_engine.ts";
import { Engine } from "../../core/engine.ts";
import "./mod.ts";

Deno.test("sudoers: rules, continuations, includes and includedir as osquery splits them", () => {
  const e = tableEngine([sudoersTable], fixtureHost(testdata("users", "root")));
  assertEquals(
    e.query("select source, header, rule_details from sudoers").map((r) => [r.source, r.header, r.rule_details]),
    [
      ["/etc/sudoers", "Defaults", "env_reset"],
      ["/etc/sudoers", "Defaults", "mail_badpass"],
      ["/etc/sudoers", "Defaults", 'secure_path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"'],
      ["/etc/sudoers", "root", "ALL=(ALL:ALL) ALL"],
      ["/etc/sudoers", "Cmnd_Alias", "BACKUP = /usr/bin/rsync, /usr/bin/tar, /usr/bin/borg"],
      ["/etc/sudoers", "%sudo", "ALL=(ALL:ALL) ALL"],
      ["/etc/sudoers", "Host_Alias", "SERVERS = web1, web2"],
      ["/etc/sudoers", "@include", "sudoers.local"],
      ["/etc/sudoers.local", "alice", "ALL=(ALL) NOPASSWD: /usr/bin/apt"],
      ["/etc/sudoers", "#includedir", "/etc/sudoers.d"],
      ["/etc/sudoers.d/admins", "bob", "ALL=(ALL) ALL"],
      ["/etc/sudoers.d/nested", "@include", "../sudoers.d/nested2"],
      ["/etc/sudoers.d/../sudoers.d/nested2", "carol", "ALL=(ALL) /bin/true"],
      ["/etc/sudoers.d/nested2", "carol", "ALL=(ALL) /bin/true"],
    ],
  );
});

Deno.test("sudoers: a self-including file stops at the nesting limit", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.mkdirSync(`${dir}/etc`);
    Deno.writeTextFileSync(`${dir}/etc/sudoers`, "root ALL=(ALL) ALL\n@include /etc/sudoers\n");
    const rows = sudoersRows(fixtureHost(dir));
    assert(rows.length > 100 && rows.length < 400, `${rows.length} rows`);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("sudoers: no /etc/sudoers gives zero rows; the live table runs", () => {
  assertEquals(sudoersRows(fixtureHost("/nonexistent")), []);
  const live = new Engine().query("select source from sudoers");
  for (const r of live) assert(typeof r.source === "string");
});

Deno.test("crontab: system, cron.d and spool files; variables and short lines skipped", () => {
  const e = tableEngine([crontabTable], fixtureHost(testdata("users", "root")));
  const rows = e.query("select event, minute, hour, day_of_month, month, day_of_week, command, path from crontab");
  assertEquals(rows, [
    {
      event: "",
      minute: "17",
      hour: "*",
      day_of_month: "*",
      month: "*",
      day_of_week: "*",
      command: "root cd / && run-parts --report /etc/cron.hourly",
      path: "/etc/crontab",
    },
    {
      event: "",
      minute: "25",
      hour: "6",
      day_of_month: "*",
      month: "*",
      day_of_week: "*",
      command: "root test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }",
      path: "/etc/crontab",
    },
    {
      event: "@reboot",
      minute: "",
      hour: "",
      day_of_month: "",
      month: "",
      day_of_week: "",
      command: "root /usr/local/bin/on-boot --flag",
      path: "/etc/crontab",
    },
    {
      event: "",
      minute: "*/5",
      hour: "*",
      day_of_month: "*",
      month: "*",
      day_of_week: "*",
      command: "root /usr/bin/check",
      path: "/etc/cron.d/check",
    },
    {
      event: "",
      minute: "0",
      hour: "3",
      day_of_month: "*",
      month: "*",
      day_of_week: "1",
      command: "/home/alice/backup.sh",
      path: "/var/spool/cron/crontabs/alice",
    },
    {
      event: "@daily",
      minute: "",
      hour: "",
      day_of_month: "",
      month: "",
      day_of_week: "",
      command: "/home/alice/daily.sh",
      path: "/var/spool/cron/crontabs/alice",
    },
  ]);
});

Deno.test("crontab: malformed lines give no row", () => {
  assertEquals(cronLine("SHELL=/bin/sh", "p"), undefined);
  assertEquals(cronLine("* * * * *", "p"), undefined);
  assertEquals(cronLine("@hourly", "p"), undefined);
  assertEquals(cronLine("1 2 3 4 5 cmd", "p")?.command, "cmd");
});

Deno.test("crontab: pid_with_namespace reads that process's root (/proc/<pid>/root) and echoes the pid", () => {
  // testdata/users/ns has its own /etc/crontab and a process 77 (its proc/77/ns/mnt link names a
  // mount namespace) whose root holds another.
  const e = tableEngine([crontabTable], fixtureHost(testdata("users", "ns")));
  assertEquals(e.query("select command, path, pid_with_namespace from crontab"), [
    { command: "host-job", path: "/etc/crontab", pid_with_namespace: 0 },
  ]);
  assertEquals(e.query("select command, path, pid_with_namespace from crontab where pid_with_namespace = 77"), [
    { command: "container-job", path: "/etc/crontab", pid_with_namespace: 77 },
  ]);
  assertEquals(e.query("select * from crontab where pid_with_namespace = 78"), []);
});
