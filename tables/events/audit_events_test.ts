import "./mod.ts";
import { Engine } from "../../core/engine.ts";
import { flags } from "../../core/flags/flags.ts";
import { auditPublisher } from "../../core/events/publishers.ts";
import { auditLogEvents } from "../../core/events/audit_records.ts";
import { decodeSockaddr, processFileEventRow } from "./_audit_rows.ts";
import { assert, assertEquals } from "../../testing/assert.ts";

const log = (name: string) => Deno.readTextFileSync(new URL(`../../testdata/events/${name}`, import.meta.url));

/** Feeds a fixture log to the tables through the publisher, as netlink input would be. */
function feed(name: string, allowedToFail: number[] = []): void {
  auditPublisher.dispatch(auditLogEvents(log(name), { syscallsAllowedToFail: new Set(allowedToFail) }));
}

function withFlags<T>(values: Record<string, boolean>, body: () => T): T {
  const before = Object.fromEntries(Object.keys(values).map((k) => [k, flags.bool(k)]));
  for (const [k, v] of Object.entries(values)) flags.set(k, v);
  try {
    return body();
  } finally {
    for (const [k, v] of Object.entries(before)) flags.set(k, v);
  }
}

const x86 = Deno.build.arch === "x86_64";
if (!x86) {
  console.warn(
    `audit_events_test: the fixture tests are skipped: they carry x86_64 syscall numbers (${Deno.build.arch})`,
  );
}

Deno.test({
  name: "process_events: execve rows carry pid, path, cmdline, cwd, ids and mode; threads and failures are skipped",
  ignore: !x86, // the fixtures carry x86_64 syscall numbers
  fn() {
    feed("audit_process.log");
    const e = new Engine();
    const rows = e.query(
      "select pid, parent, path, mode, cmdline, cwd, auid, uid, euid, gid, egid, fsuid, suid, fsgid, sgid, syscall, " +
        "owner_uid, owner_gid, cmdline_size, time > 0 as timed, uptime >= 0 as up from process_events " +
        "where pid in (1234, 2000, 29003, 13733, 4002, 6199, 4001, 5000, 5001) order by eid",
    );
    assertEquals(rows.map((r) => r.pid), [1234, 2000, 29003, 13733, 4002, 6199]);
    assertEquals(rows[0], {
      pid: 1234,
      parent: 1200,
      path: "/usr/bin/ls",
      mode: "0100755",
      cmdline: "ls -la /tmp/my file",
      cwd: "/home/ann",
      auid: 1000,
      uid: 1000,
      euid: 1000,
      gid: 1000,
      egid: 1000,
      fsuid: 1000,
      suid: 1000,
      fsgid: 1000,
      sgid: 1000,
      syscall: "execve",
      owner_uid: 0,
      owner_gid: 0,
      cmdline_size: 19,
      timed: 1,
      up: 1,
    });
    // Hex-encoded exe and cwd, eleven-plus arguments in order, a split argument.
    assertEquals(rows[1].path, "/opt/my tools/echo");
    assertEquals(rows[1].cwd, "/home/my dir");
    assertEquals(rows[1].cmdline, "echo 1 2 3 4 5 6 7 8 9 10 abcdefghij");
    assertEquals(rows[1].auid, 4294967295);
    assertEquals([rows[1].mode, rows[1].owner_gid], ["0104755", 50]);
    assertEquals([rows[2].syscall, rows[2].cmdline], ["execveat", "/dev/fd/3/fork"]);
    // fork: the child is the return value, the caller its parent.
    assertEquals([rows[3].syscall, rows[3].pid, rows[3].parent, rows[3].cmdline], ["fork", 13733, 13732, ""]);
    // clone of a process (not a thread): parent is the caller.
    assertEquals([rows[4].syscall, rows[4].pid, rows[4].parent], ["clone", 4002, 4000]);
    assertEquals([rows[5].syscall, rows[5].pid, rows[5].parent], ["kill", 6199, 6198]);
    // The executable's file times come from stat: /usr/bin/ls may be absent, but the columns are set.
    const [ls] = e.query("select atime, mtime, ctime, btime from process_events where pid = 1234");
    assert(typeof ls.atime === "number" && typeof ls.ctime === "number", JSON.stringify(ls));
    e.close();
  },
});

Deno.test("process_events: with --audit_allow_process_events=false nothing is recorded", () => {
  const e = new Engine();
  const before = e.query("select count(*) n from process_events")[0].n as number;
  withFlags({ audit_allow_process_events: false }, () => feed("audit_process.log"));
  assertEquals(e.query("select count(*) n from process_events")[0].n, before);
  e.close();
});

Deno.test("socket_events: sockaddr hex decodes to family, address and port", () => {
  assertEquals(decodeSockaddr("020001BB5DB8D8220000000000000000", false), {
    family: 2,
    remote_port: 443,
    remote_address: "93.184.216.34",
  });
  assertEquals(decodeSockaddr("0A0000500000000020010DB800000000000000000000000100000000", true), {
    family: 10,
    local_port: 80,
    local_address: "2001:0db8:0000:0000:0000:0000:0000:0001",
  });
  assertEquals(decodeSockaddr("01002F6465762F6C6F6700", false), { family: 1, socket: "/dev/log" });
  assertEquals(decodeSockaddr("0100002F6162737472616374", false), { family: 1, socket: "/abstract" });
  assertEquals(decodeSockaddr("0200", false), undefined);
  assertEquals(decodeSockaddr("ZZZZ", false), undefined);
  assertEquals(decodeSockaddr("1100AAAA", false), undefined);
});

Deno.test({
  name: "socket_events: connect/bind/accept rows with status; failures, unix and netlink sockets follow the flags",
  ignore: !x86,
  fn() {
    const e = new Engine();
    const q = (pids: string) =>
      e.query(
        `select action, pid, path, fd, auid, family, local_address, local_port, remote_address, remote_port, status, ` +
          `success, socket from socket_events where pid in (${pids}) order by eid`,
      );
    withFlags({ audit_allow_sockets: true }, () => feed("audit_socket.log", [42, 43, 288]));
    const rows = q("200, 201, 202, 300, 400, 500, 203");
    assertEquals(rows.map((r) => [r.action, r.pid, r.status]), [
      ["connect", 200, "succeeded"],
      ["bind", 300, "succeeded"],
      ["connect", 201, "in_progress"],
      ["accept", 300, "succeeded"],
    ]);
    assertEquals(rows[0], {
      action: "connect",
      pid: 200,
      path: "/usr/bin/curl",
      fd: "3",
      auid: 1000,
      family: 2,
      local_address: "",
      local_port: 0,
      remote_address: "93.184.216.34",
      remote_port: 443,
      status: "succeeded",
      success: 1,
      socket: "",
    });
    assertEquals([rows[1].local_address, rows[1].local_port, rows[1].family], [
      "2001:0db8:0000:0000:0000:0000:0000:0001",
      80,
      10,
    ]);
    assertEquals([rows[3].remote_address, rows[3].remote_port], ["10.0.0.5", 54321]);

    withFlags({
      audit_allow_sockets: true,
      audit_allow_failed_socket_events: true,
      audit_allow_unix: true,
      audit_allow_null_accept_socket_events: true,
    }, () => feed("audit_socket.log", [42, 43, 288]));
    const more = q("202, 300, 400, 500").filter((r) => r.status !== "succeeded" || r.family === 1);
    assertEquals(more.map((r) => [r.action, r.pid, r.status, r.success, r.socket]), [
      ["connect", 202, "failed", 0, ""],
      ["accept", 300, "no_client", 1, ""],
      ["connect", 400, "succeeded", 1, "/dev/log"],
    ]);
    e.close();
  },
});

Deno.test("user_events: PAM, login and sudo messages become rows; truncated records are skipped", () => {
  feed("audit_user.log");
  const e = new Engine();
  const rows = e.query(
    "select type, uid, auid, pid, message, path, address, terminal from user_events where pid in (812, 900) order by eid",
  );
  assertEquals(rows.slice(-4), [
    {
      type: 1100,
      uid: 0,
      auid: 4294967295,
      pid: 812,
      message: "op=PAM:authentication",
      path: "/usr/sbin/sshd",
      address: "203.0.113.9",
      terminal: "ssh",
    },
    {
      type: 1112,
      uid: 0,
      auid: 1000,
      pid: 812,
      message: "op=login",
      path: "/usr/sbin/sshd",
      address: "203.0.113.9",
      terminal: "/dev/pts/1",
    },
    {
      type: 1123,
      uid: 1000,
      auid: 1000,
      pid: 900,
      message: 'cwd="/home/ann"',
      path: "/usr/bin/sudo",
      address: "",
      terminal: "pts/1",
    },
    { type: 1106, uid: 0, auid: 1000, pid: 812, message: "", path: "", address: "", terminal: "" },
  ]);
  e.close();
});

Deno.test("selinux_events, apparmor_events: only with their flags; AppArmor AVCs go to apparmor_events", () => {
  const e = new Engine();
  const count = (t: string) => e.query(`select count(*) n from ${t}`)[0].n as number;
  const [se, aa] = [count("selinux_events"), count("apparmor_events")];
  feed("audit_lsm.log");
  assertEquals([count("selinux_events"), count("apparmor_events")], [se, aa]);
  withFlags({ audit_allow_selinux_events: true, audit_allow_apparmor_events: true }, () => feed("audit_lsm.log"));
  const selinux = e.query("select type, message from selinux_events order by eid").slice(-2);
  assertEquals(selinux.map((r) => r.type), ["AVC", "MAC_STATUS"]);
  assert(String(selinux[0].message).startsWith("audit(1700000300.000:801): avc:  denied  { read }"));
  const apparmor = e.query(
    "select type, apparmor, operation, profile, name, pid, comm, requested_mask, denied_mask, fsuid, ouid, " +
      "capability, capname, parent, message from apparmor_events order by eid",
  ).slice(-3);
  assertEquals(apparmor[0], {
    type: "AA",
    apparmor: "DENIED",
    operation: "open",
    profile: "/usr/sbin/cupsd",
    name: "/etc/shadow",
    pid: 1901,
    comm: "cupsd",
    requested_mask: "r",
    denied_mask: "r",
    fsuid: 0,
    ouid: 0,
    capability: 0,
    capname: "",
    parent: 0,
    message:
      'audit(1700000302.000:803): apparmor="DENIED" operation="open" profile="/usr/sbin/cupsd" name="/etc/shadow" pid=1901 comm="cupsd" requested_mask="r" denied_mask="r" fsuid=0 ouid=0',
  });
  assertEquals([apparmor[2].apparmor, apparmor[2].capability, apparmor[2].capname], ["ALLOWED", 13, "net_raw"]);
  e.close();
});

Deno.test("seccomp_events: arch, syscall and action are named; unknown values say so; truncated records zero", () => {
  withFlags({ audit_allow_seccomp_events: true }, () => feed("audit_lsm.log"));
  const e = new Engine();
  const rows = e.query(
    "select auid, uid, gid, ses, pid, comm, exe, sig, arch, syscall, compat, ip, code from seccomp_events",
  ).slice(-4); // oldest first: the last four are this feed's
  assertEquals(rows[0], {
    auid: 65876,
    uid: 0,
    gid: 0,
    ses: 12684,
    pid: 18204,
    comm: "qemu-system-x86",
    exe: "/usr/bin/qemu-system-x86_64",
    sig: 0,
    arch: "X86_64",
    syscall: "ppoll",
    compat: 0,
    ip: "0x7f6ba2cdd811",
    code: "LOG",
  });
  assertEquals([rows[1].syscall, rows[1].code, rows[1].sig], ["1337(unknown)", "KILL_PROCESS", 31]);
  assertEquals([rows[2].arch, rows[2].syscall, rows[2].code], ["AARCH64", "56", "ERRNO"]);
  assertEquals([rows[3].uid, rows[3].arch, rows[3].code], [1000, "0(unknown)", "KILL_THREAD"]);
  e.close();
});

Deno.test("process_file_events: a reported change becomes a row with the process's ids and decoded executable", () => {
  const [event] = auditLogEvents(
    `type=SYSCALL msg=audit(1700000400.000:9): arch=c000003e syscall=82 success=yes exit=0 items=4 ppid=1 pid=700 ` +
      `auid=1000 uid=1001 gid=1002 euid=1003 suid=1004 fsuid=1005 egid=1006 sgid=1007 fsgid=1008 ` +
      `comm="mv" exe=2F7573722F62696E2F6D76 key=(null)\ntype=EOE msg=audit(1700000400.000:9): `,
  );
  const row = processFileEventRow(
    { operation: "rename", path: "/data/a", dest: "/data/b", pid: 700, cwd: "/data", syscall: event.records[0] },
    42,
  );
  assertEquals(row, {
    operation: "rename",
    pid: 700,
    ppid: 1,
    executable: "/usr/bin/mv",
    partial: "false",
    cwd: "/data",
    path: "/data/a",
    dest_path: "/data/b",
    auid: "1000",
    uid: "1001",
    gid: "1002",
    euid: "1003",
    suid: "1004",
    fsuid: "1005",
    egid: "1006",
    sgid: "1007",
    fsgid: "1008",
    uptime: 42,
  });
});

Deno.test({
  name: "process_file_events: changes under the configured file_paths, only with --audit_allow_fim_events",
  ignore: !x86,
  fn() {
    const data = Deno.readFileSync(new URL("../../testdata/events/audit_fim_netlink.bin", import.meta.url));
    const view = new DataView(data.buffer);
    const replay = () => {
      for (let pos = 0; pos + 4 <= data.length;) {
        const n = view.getUint32(pos, true);
        auditPublisher.handleDatagram(data.subarray(pos + 4, pos + 4 + n));
        pos += 4 + n;
      }
    };
    const e = new Engine();
    const count = () => e.query("select count(*) n from process_file_events")[0].n as number;
    auditPublisher.configureFilePaths({ scratch: ["/tmp/osq-fim/%%"] });
    const before = count();
    replay();
    assertEquals(count(), before);
    withFlags({ audit_allow_fim_events: true }, replay);
    const rows = e.query(
      "select operation, path, dest_path, executable, partial, cwd, pid, ppid, uid, auid, time > 0 as timed " +
        "from process_file_events order by eid",
    ).slice(-10);
    assertEquals(rows.map((r) => r.operation), [
      "open+truncate",
      "write",
      "write",
      "rename",
      "link",
      "symlink",
      "write",
      "unlink",
      "unlink",
      "unlink",
    ]);
    assertEquals(rows[3], {
      operation: "rename",
      path: "/tmp/osq-fim/notes.txt",
      dest_path: "/tmp/osq-fim/renamed.txt",
      executable: "/usr/bin/python3.11",
      partial: "false",
      cwd: "/tmp/osq-fim",
      pid: 13675,
      ppid: 13668,
      uid: "0",
      auid: "4294967295",
      timed: 1,
    });
    assertEquals(
      withFlags(
        { audit_allow_fim_events: true },
        () => {
          e.query("select count(*) from process_file_events");
          return e.query("select subscriptions from osquery_events where name = 'process_file_events'");
        },
      ),
      [{ subscriptions: 1 }],
    );
    auditPublisher.configureFilePaths({});
    e.close();
  },
});

Deno.test("audit tables: with the publisher inactive (default flags) they answer with what was recorded", () => {
  assertEquals(flags.bool("disable_audit"), true);
  assertEquals(auditPublisher.active, false);
  const e = new Engine();
  for (
    const t of [
      "process_events",
      "socket_events",
      "user_events",
      "selinux_events",
      "apparmor_events",
      "process_file_events",
    ]
  ) {
    assert(Array.isArray(e.query(`select * from ${t} where time > 0`)));
  }
  assertEquals(
    e.query("select name, type, active from osquery_events where publisher = 'auditeventpublisher'").length,
    8,
  );
  e.close();
});
