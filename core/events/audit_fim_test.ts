import { type FileChange, normalizeAuditPath, ProcessFileTracker } from "./audit_fim.ts";
import { AuditAssembler, auditLogEvents, recordFromNetlink, splitNetlinkMessages } from "./audit_records.ts";
import { SYSCALLS } from "./audit.ts";
import { assertEquals } from "../../testing/assert.ts";

const x86 = Deno.build.arch === "x86_64";
if (!x86) {
  console.warn(`audit_fim_test: the fixture tests are skipped: they carry x86_64 syscall numbers (${Deno.build.arch})`);
}

function tracker(showAccesses = false, prefix = "/tmp/osq-fim/"): ProcessFileTracker {
  return new ProcessFileTracker({
    included: (p) => p.startsWith(prefix),
    showAccesses: () => showAccesses,
    syscalls: SYSCALLS,
  });
}

/** The changes a tracker reports from the recorded kernel datagrams of a Python script's file work. */
function recordedChanges(t: ProcessFileTracker): FileChange[] {
  const data = Deno.readFileSync(new URL("../../testdata/events/audit_fim_netlink.bin", import.meta.url));
  const view = new DataView(data.buffer);
  const assembler = new AuditAssembler();
  const rows: FileChange[] = [];
  for (let pos = 0; pos + 4 <= data.length;) {
    const n = view.getUint32(pos, true);
    for (const m of splitNetlinkMessages(data.subarray(pos + 4, pos + 4 + n))) {
      const record = recordFromNetlink(m);
      if (!record) continue;
      for (const event of assembler.push(record)) {
        const row = t.handle(event);
        if (row) rows.push(row);
      }
    }
    pos += 4 + n;
  }
  return rows;
}

const summary = (rows: FileChange[]) => rows.map((r) => [r.operation, r.path, r.dest ?? ""].join(" ").trim());

Deno.test("audit fim: paths join their directory and resolve . and .. lexically", () => {
  assertEquals(normalizeAuditPath("/home/ann", "notes.txt"), "/home/ann/notes.txt");
  assertEquals(normalizeAuditPath("/home/ann", "../bob/./x"), "/home/bob/x");
  assertEquals(normalizeAuditPath("/ignored", "/etc//passwd"), "/etc/passwd");
  assertEquals(normalizeAuditPath("/", ".."), "/");
});

Deno.test({
  name: "audit fim: recorded syscalls become write, rename, link, symlink and unlink rows",
  ignore: !x86,
  fn() {
    assertEquals(summary(recordedChanges(tracker())), [
      "open+truncate /tmp/osq-fim/notes.txt",
      "write /tmp/osq-fim/notes.txt",
      "write /tmp/osq-fim/notes.txt",
      "rename /tmp/osq-fim/notes.txt /tmp/osq-fim/renamed.txt",
      "link /tmp/osq-fim/renamed.txt /tmp/osq-fim/hard.txt",
      "symlink /tmp/osq-fim/renamed.txt /tmp/osq-fim/soft.txt",
      "write /tmp/osq-fim/renamed.txt",
      "unlink /tmp/osq-fim/hard.txt",
      "unlink /tmp/osq-fim/soft.txt",
      "unlink /tmp/osq-fim/renamed.txt",
    ]);
    const [first] = recordedChanges(tracker());
    assertEquals(
      [first.pid, first.cwd, first.syscall.fields.get("exe"), first.syscall.fields.get("auid")],
      [13675, "/tmp/osq-fim", '"/usr/bin/python3.11"', "4294967295"],
    );
  },
});

Deno.test({
  name: "audit fim: accesses (open, first read, close) only with --audit_fim_show_accesses; other paths never",
  ignore: !x86,
  fn() {
    const rows = summary(recordedChanges(tracker(true)));
    assertEquals(rows.slice(0, 6), [
      "open+truncate /tmp/osq-fim/notes.txt",
      "write /tmp/osq-fim/notes.txt",
      "close /tmp/osq-fim/notes.txt",
      "open /tmp/osq-fim/notes.txt",
      "read /tmp/osq-fim/notes.txt",
      "close /tmp/osq-fim/notes.txt",
    ]);
    assertEquals(recordedChanges(tracker(true, "/srv/")), []);
    // Python read /etc/localtime while starting: watched, it shows up.
    assertEquals(summary(recordedChanges(tracker(true, "/etc/localtime"))).slice(0, 2), [
      "open /etc/localtime",
      "read /etc/localtime",
    ]);
  },
});

const head = (id: number, syscall: number, extra: string) =>
  `type=SYSCALL msg=audit(1700000400.000:${id}): arch=c000003e syscall=${syscall} success=yes ${extra} ` +
  `ppid=1 pid=700 auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 ` +
  `comm="app" exe="/usr/bin/app" key=(null)`;
const cwd = (id: number) => `type=CWD msg=audit(1700000400.000:${id}): cwd="/data"`;
const path = (id: number, item: number, name: string, inode: number) =>
  `type=PATH msg=audit(1700000400.000:${id}): item=${item} name="${name}" inode=${inode} dev=fe:00 mode=0100644`;
const eoe = (id: number) => `type=EOE msg=audit(1700000400.000:${id}): `;

Deno.test({
  name: "audit fim: descriptors follow dup and fork; unknown descriptors (partial events) are skipped",
  ignore: !x86,
  fn() {
    const log = [
      // openat(AT_FDCWD, "f.txt", O_RDWR) = 3
      head(1, 257, "exit=3 a0=ffffff9c a1=1 a2=2 a3=0 items=1"),
      cwd(1),
      path(1, 0, "f.txt", 42),
      eoe(1),
      head(2, 32, "exit=10 a0=3 a1=0 a2=0 a3=0 items=0"), // dup(3) = 10
      eoe(2),
      head(3, 57, "exit=701 a0=0 a1=0 a2=0 a3=0 items=0"), // fork() = 701
      eoe(3),
      head(4, 1, "exit=5 a0=a a1=0 a2=5 a3=0 items=0"), // write(10, ..)
      eoe(4),
      head(5, 1, "exit=5 a0=a a1=0 a2=5 a3=0 items=0"), // a second write: no change, no row
      eoe(5),
      head(6, 1, "exit=5 a0=63 a1=0 a2=5 a3=0 items=0"), // write(99): never opened under watch
      eoe(6),
    ].join("\n");
    const t = tracker(false, "/data/");
    const rows = auditLogEvents(log).map((e) => t.handle(e)).filter((r) => r !== undefined);
    assertEquals(summary(rows), ["write /data/f.txt"]);
    // The forked child inherited descriptor 3.
    const child = head(7, 1, "exit=1 a0=3 a1=0 a2=1 a3=0 items=0").replace("pid=700", "pid=701");
    const more = auditLogEvents(`${child}\n${eoe(7)}`).map((e) => t.handle(e));
    assertEquals(more.map((r) => r?.path), ["/data/f.txt"]);
  },
});

Deno.test({
  name: "audit fim: old kernels' link records (osquery's item order, no nametype) still resolve",
  ignore: !x86,
  fn() {
    const log = [
      head(1, 86, "exit=0 a0=1 a1=2 a2=0 a3=0 items=3"),
      cwd(1),
      path(1, 0, "old.txt", 50),
      path(1, 1, "/data", 2),
      path(1, 2, "new.txt", 50),
      eoe(1),
      head(2, 263, "exit=0 a0=ffffff9c a1=1 a2=0 a3=0 items=2"), // unlinkat
      cwd(2),
      path(2, 0, "/data", 2),
      path(2, 1, "old.txt", 50),
      eoe(2),
      head(3, 82, "exit=0 a0=1 a1=2 a2=0 a3=0 items=3"), // rename with a record missing: skipped
      cwd(3),
      eoe(3),
    ].join("\n");
    const t = tracker(false, "/data/");
    const rows = auditLogEvents(log).map((e) => t.handle(e)).filter((r) => r !== undefined);
    assertEquals(summary(rows), ["link /data/old.txt /data/new.txt", "unlink /data/old.txt"]);
  },
});
