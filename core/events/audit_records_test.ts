import {
  AUDIT,
  AuditAssembler,
  auditLogEvents,
  auditTypeNumber,
  decodeAuditValue,
  execveCommandLine,
  parseAuditLog,
  parseAuditLogLine,
  parseAuditMessage,
  recordFromNetlink,
  splitNetlinkMessages,
  tokenizeAuditFields,
} from "./audit_records.ts";
import { assert, assertEquals } from "../../testing/assert.ts";

const fixture = (name: string) => new URL(`../../testdata/events/${name}`, import.meta.url);
const readLog = (name: string) => Deno.readTextFileSync(fixture(name));

/** The datagrams of a recording: each prefixed by its length (u32, little-endian). */
function recordedDatagrams(): Uint8Array[] {
  const data = Deno.readFileSync(fixture("audit_netlink.bin"));
  const view = new DataView(data.buffer);
  const out: Uint8Array[] = [];
  for (let pos = 0; pos + 4 <= data.length;) {
    const n = view.getUint32(pos, true);
    out.push(data.subarray(pos + 4, pos + 4 + n));
    pos += 4 + n;
  }
  return out;
}

Deno.test("audit records: fields split like osquery's tokenizer (quoted values keep quotes and spaces)", () => {
  const f = tokenizeAuditFields('arch=c000003e  syscall=59 comm="my prog" exe="/usr/bin/x" key=(null) a=1 a=2');
  assertEquals(f.get("arch"), "c000003e");
  assertEquals(f.get("syscall"), "59");
  assertEquals(f.get("comm"), '"my prog"');
  assertEquals(f.get("key"), "(null)");
  assertEquals(f.get("a"), "1");
  const user = tokenizeAuditFields("pid=1 msg='op=PAM:authentication acct=\"ann\" terminal=ssh res=success'");
  assertEquals(user.get("msg"), "'op=PAM:authentication");
  assertEquals(user.get("terminal"), "ssh");
});

Deno.test("audit records: the stamp gives the audit id and time; malformed messages are undefined", () => {
  const r = parseAuditMessage(1300, "audit(1700000000.123:456): syscall=59");
  assertEquals(r?.auditId, "1700000000.123:456");
  assertEquals(r?.time, 1700000000);
  assertEquals(r?.fields.get("syscall"), "59");
  assertEquals(parseAuditMessage(1300, "audit(1700000000.123): syscall=59"), undefined);
  assertEquals(parseAuditMessage(1300, "audit(17000"), undefined);
  assertEquals(parseAuditMessage(1300, ""), undefined);
  assertEquals(parseAuditLogLine("type=EOE msg=audit(1700000000.123:456): ")?.type, AUDIT.EOE);
  assertEquals(parseAuditLogLine('node=host1 type=CWD msg=audit(1.2:3): cwd="/"')?.type, AUDIT.CWD);
  assertEquals(parseAuditLogLine("type=NOSUCHTYPE msg=audit(1.2:3): a=b"), undefined);
  assertEquals(auditTypeNumber("UNKNOWN[1334]"), 1334);
  assertEquals(auditTypeNumber("1300"), 1300);
});

Deno.test("audit records: values decode from quotes or hex; odd or non-hex text is left as written", () => {
  assertEquals(decodeAuditValue('"/usr/bin/ls"'), "/usr/bin/ls");
  assertEquals(decodeAuditValue("2F746D702F6D792066696C65"), "/tmp/my file");
  assertEquals(decodeAuditValue("(null)"), "(null)");
  assertEquals(decodeAuditValue("123"), "123");
  assertEquals(decodeAuditValue('"unterminated'), "unterminated");
  assertEquals(decodeAuditValue(""), "");
});

Deno.test("audit records: EXECVE arguments join in order, hex-decoded, split arguments reassembled", () => {
  const f = tokenizeAuditFields(
    'argc=12 a0="echo" a1="1" a2="2" a3="3" a4="4" a5="5" a6="6" a7="7" a8="8" a9="9" a10="10" a11_len=10 a11[0]="abcde" a11[1]="fghij"',
  );
  assertEquals(execveCommandLine(f), "echo 1 2 3 4 5 6 7 8 9 10 abcdefghij");
  assertEquals(execveCommandLine(tokenizeAuditFields('argc=2 a0="ls" a1=2F746D702F6120622063')), "ls /tmp/a b c");
  // argc larger than the arguments present (a truncated record): what exists is used.
  assertEquals(execveCommandLine(tokenizeAuditFields('argc=3 a0="ls"')), "ls");
});

Deno.test("audit records: a log's malformed lines are skipped, never thrown", () => {
  const records = parseAuditLog(readLog("audit_process.log"));
  assert(records.length > 20);
  assert(records.every((r) => r.auditId && r.type > 0));
  assertEquals(parseAuditLog("\0\0garbage\ntype=SYSCALL msg=audit(\n"), []);
});

Deno.test("audit assembler: SYSCALL opens, EOE closes; malformed and failed calls are dropped", () => {
  const events = auditLogEvents(readLog("audit_process.log"));
  const ids = events.map((e) => e.records[0].auditId);
  // 508 failed, 510 lacks ids, 999 is an orphan CWD: none become events.
  assertEquals(ids, [
    "1700000000.100:501",
    "1700000001.200:502",
    "1700000002.000:503",
    "1700000003.000:504",
    "1700000003.500:505",
    "1700000003.600:506",
    "1700000004.000:507",
    "1700000006.000:509",
  ]);
  const first = events[0];
  assertEquals(first.kind, "syscall");
  assertEquals(first.syscall, 59);
  assertEquals(first.records.map((r) => r.type), [1300, 1309, 1307, 1302, 1302, 1327]);
});

Deno.test("audit assembler: failed calls survive when allowed to fail; our own process is ignored", () => {
  const text = readLog("audit_socket.log");
  assertEquals(auditLogEvents(text).length, 6);
  assertEquals(auditLogEvents(text, { syscallsAllowedToFail: new Set([42, 288]) }).length, 9);
  assertEquals(auditLogEvents(text, { ownPid: 300 }).length, 4);
});

Deno.test("audit assembler: single-record kinds complete at once; events without EOE expire after maxAge", () => {
  const a = new AuditAssembler({ maxAge: 300 });
  const lsm = parseAuditLog(readLog("audit_lsm.log")).flatMap((r) => a.push(r));
  assertEquals(lsm.map((e) => e.kind), [
    "selinux",
    "selinux",
    "apparmor",
    "apparmor",
    "apparmor",
    "seccomp",
    "seccomp",
    "seccomp",
    "seccomp",
  ]);
  const user = parseAuditLog(readLog("audit_user.log")).flatMap((r) => a.push(r));
  assertEquals(user.map((e) => e.records[0].type), [1100, 1112, 1123, 1106]);

  const b = new AuditAssembler({ maxAge: 300 });
  const open = parseAuditLogLine(
    'type=SYSCALL msg=audit(1000.000:1): syscall=59 success=yes exit=0 ppid=1 pid=2 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 exe="/x"',
  )!;
  b.push(open);
  assertEquals(b.pending, 1);
  b.push(parseAuditMessage(AUDIT.USER_AVC + 1, "audit(1400.000:2): pid=1")!);
  assertEquals(b.pending, 0);
});

Deno.test("audit netlink: recorded kernel datagrams (text length in nlmsg_len) assemble into events", () => {
  const a = new AuditAssembler();
  const events = recordedDatagrams().flatMap((d) =>
    splitNetlinkMessages(d).map(recordFromNetlink).filter((r) => r !== undefined).flatMap((r) => a.push(r))
  );
  assertEquals(events.map((e) => e.syscall), [59, 59, 59, 49, 42, 288, 49]);
  const echo = events[1];
  assertEquals(
    execveCommandLine(echo.records.find((r) => r.type === AUDIT.EXECVE)!.fields),
    "/bin/echo audit-fixture two words",
  );
  assertEquals(a.pending, 0);
});

Deno.test("audit netlink: control replies count the header; truncated datagrams are cut, not thrown", () => {
  const msg = new Uint8Array(60);
  const v = new DataView(msg.buffer);
  v.setUint32(0, 60, true);
  v.setUint16(4, AUDIT.GET, true);
  v.setUint32(8, 7, true);
  const [m] = splitNetlinkMessages(msg);
  assertEquals([m.type, m.seq, m.payload.length], [AUDIT.GET, 7, 44]);
  assertEquals(recordFromNetlink(m), undefined);
  assertEquals(splitNetlinkMessages(msg.subarray(0, 30)), []);
  assertEquals(splitNetlinkMessages(new Uint8Array(5)), []);
  const text = new TextEncoder().encode("audit(1.000:1): a=b");
  const rec = new Uint8Array(16 + text.length - 4);
  new DataView(rec.buffer).setUint32(0, text.length, true);
  new DataView(rec.buffer).setUint16(4, AUDIT.CWD, true);
  rec.set(text.subarray(0, text.length - 4), 16);
  const [cut] = splitNetlinkMessages(rec);
  assertEquals(recordFromNetlink(cut)?.fields.get("a"), undefined);
});
