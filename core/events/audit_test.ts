import "../../tables/events/mod.ts";
import { waitFor } from "../../testing/wait.ts";
import { Engine } from "../engine.ts";
import { flags } from "../flags/flags.ts";
import { auditPublisher } from "./publishers.ts";
import {
  auditEnabled,
  AuditPublisher,
  decodeAuditStatus,
  encodeSyscallRule,
  ruleSyscalls,
  socketSyscalls,
  SYSCALLS,
} from "./audit.ts";
import { assert, assertEquals, assertMatch } from "../../testing/assert.ts";

function withFlags<T>(values: Record<string, boolean | number>, body: () => T): T {
  const before = Object.fromEntries(Object.keys(values).map((k) => [k, flags.get(k)]));
  for (const [k, v] of Object.entries(values)) flags.set(k, v);
  try {
    return body();
  } finally {
    for (const [k, v] of Object.entries(before)) flags.set(k, v);
  }
}

Deno.test("audit flags: osquery's defaults; the publisher runs only with --disable_audit=false and a table allowed", () => {
  assertEquals(flags.get("disable_audit"), true);
  assertEquals(flags.get("audit_allow_config"), false);
  assertEquals(flags.get("audit_persist"), true);
  assertEquals(flags.get("audit_backlog_limit"), 4096);
  assertEquals(flags.get("audit_backlog_wait_time"), 0);
  assertEquals(flags.get("audit_allow_process_events"), true);
  assertEquals(flags.get("audit_allow_user_events"), true);
  assertEquals(flags.get("audit_allow_accept_socket_events"), true);
  for (const off of ["audit_allow_sockets", "audit_allow_fim_events", "audit_allow_selinux_events"]) {
    assertEquals(flags.get(off), false);
  }
  assertEquals(auditEnabled(), false);
  assertEquals(withFlags({ disable_audit: false }, auditEnabled), true);
  assertEquals(
    withFlags(
      { disable_audit: false, audit_allow_process_events: false, audit_allow_user_events: false },
      auditEnabled,
    ),
    false,
  );
});

Deno.test("audit publisher: start() with default flags stays inactive without touching the kernel", async () => {
  const p = new AuditPublisher();
  await p.start();
  assertEquals(p.active, false);
  assertEquals(p.refreshes, 0);
});

Deno.test("audit rules: the syscalls follow the table flags", () => {
  withFlags(
    { disable_audit: false },
    () => assertEquals(ruleSyscalls(), [SYSCALLS.execve, SYSCALLS.execveat].sort((a, b) => a - b)),
  );
  const withSockets = withFlags({ audit_allow_sockets: true }, ruleSyscalls);
  for (const n of socketSyscalls()) assert(withSockets.includes(n));
  const noAccept = withFlags({ audit_allow_sockets: true, audit_allow_accept_socket_events: false }, ruleSyscalls);
  assert(!noAccept.includes(SYSCALLS.accept4));
  const forks = withFlags(
    { audit_allow_fork_process_events: true, audit_allow_kill_process_events: true },
    ruleSyscalls,
  );
  assert(forks.includes(SYSCALLS.clone) && forks.includes(SYSCALLS.kill) && forks.includes(SYSCALLS.tgkill));
  assertEquals(withFlags({ audit_allow_process_events: false }, ruleSyscalls), []);
});

Deno.test("audit rules: an exit rule, always, with one mask bit per syscall", () => {
  const rule = encodeSyscallRule([0, 33, 59, 322]);
  const v = new DataView(rule.buffer);
  assertEquals(rule.length, 1040);
  assertEquals([v.getUint32(0, true), v.getUint32(4, true), v.getUint32(8, true)], [4, 2, 0]);
  assertEquals(v.getUint32(12, true), 1);
  assertEquals(v.getUint32(16, true), (1 << 1) | (1 << 27));
  assertEquals(v.getUint32(12 + 10 * 4, true), 1 << 2);
});

Deno.test("audit status: AUDIT_GET replies decode; short ones are refused", () => {
  const payload = new Uint8Array(44);
  const v = new DataView(payload.buffer);
  [0, 1, 1, 4242, 0, 8192, 3, 7, 0x7f, 60000].forEach((n, i) => v.setUint32(i * 4, n, true));
  assertEquals(decodeAuditStatus(payload), {
    enabled: 1,
    failure: 1,
    pid: 4242,
    rateLimit: 0,
    backlogLimit: 8192,
    lost: 3,
    backlog: 7,
    backlogWaitTime: 60000,
  });
  assertEquals(decodeAuditStatus(payload.subarray(0, 20)), undefined);
});

/** The kernel's audit status read over a fresh socket, or the reason it cannot be read. */
async function probeAudit(): Promise<string | undefined> {
  const probe = new AuditPublisher();
  try {
    // start() with everything allowed but configuration reads the status and claims the socket.
    await withFlags({ disable_audit: false, audit_allow_config: false }, () => probe.start());
    await probe.stop();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

Deno.test({
  name: "audit publisher (live): with --audit_allow_config an exec appears in process_events; stop restores the kernel",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const unavailable = await probeAudit();
    if (unavailable) {
      // No audit here (no CAP_AUDIT_CONTROL, a network namespace, or auditd owns it): it must say why.
      assertMatch(unavailable, /^Cannot (open|bind|take) the audit/);
      console.log(`live audit unavailable: ${unavailable}`);
      return;
    }
    const values = { disable_audit: false, audit_allow_config: true, audit_allow_sockets: true };
    const before = Object.fromEntries(Object.keys(values).map((k) => [k, flags.get(k)]));
    for (const [k, v] of Object.entries(values)) flags.set(k, v);
    const dir = await Deno.makeTempDir();
    try {
      await auditPublisher.start();
      assertEquals(auditPublisher.active, true);
      const marker = `osq-audit-${crypto.randomUUID().slice(0, 8)}`;
      new Deno.Command("/bin/sh", { args: ["-c", `cd ${dir} && /bin/echo ${marker} 'two words' >/dev/null`] })
        .outputSync();
      const e = new Engine();
      const query = () =>
        e.query(`select path, cmdline, cwd, uid, syscall from process_events where cmdline like '%${marker}%'`);
      const echo = await waitFor(
        "the echo's execve in process_events",
        () => query().find((r) => String(r.cmdline).startsWith("/bin/echo")),
      );
      assertEquals(echo.cmdline, `/bin/echo ${marker} two words`);
      assertEquals(echo.cwd, await Deno.realPath(dir));
      assertEquals(echo.syscall, "execve");
      const [pub] = e.query("select active, events > 0 as seen from osquery_events where name = 'auditeventpublisher'");
      assertEquals(pub, { active: 1, seen: 1 });
      e.close();
    } finally {
      // A second stop while the first runs waits for the same restore (the daemon stops twice).
      await Promise.all([auditPublisher.stop(), auditPublisher.stop()]);
      for (const [k, v] of Object.entries(before)) flags.set(k, v);
      await Deno.remove(dir, { recursive: true });
    }
    // The socket is released and the kernel is as it was: our rule is gone, the socket free.
    const probe = new AuditPublisher();
    await withFlags({ disable_audit: false }, () => probe.start());
    const status = await probe.requestStatus();
    const ours = encodeSyscallRule(withFlags(values, ruleSyscalls)).subarray(0, 12 + 64 * 4);
    const rules = await probe.listRules();
    await probe.stop();
    assertEquals(status.pid, Deno.pid); // the probe itself holds it until its stop
    assertEquals(rules.filter((r) => r.subarray(0, ours.length).every((b, i) => b === ours[i])), []);
    assertEquals(await probeAudit(), undefined);
  },
});
