import "./syslog_events.ts";
import { Engine } from "../../core/engine.ts";
import { flags } from "../../core/flags/flags.ts";
import { syslogPublisher } from "../../core/events/publishers.ts";
import { parseSyslogLine, splitRsyslogCsv, SyslogPublisher } from "../../core/events/syslog.ts";
import { assert, assertEquals, assertRejects } from "../../testing/assert.ts";

const LINES = [
  '2026-11-23T21:00:01.123456+00:00,web-01,6,auth,"sshd[812]:","Accepted publickey for deploy from 10.0.0.5 port 50122 ssh2"',
  '2026-11-23T21:00:02+00:00,web-01,3,daemon,"cron[99]:","job ""backup, nightly"" failed"',
  '2026-11-23T21:00:03+00:00,web-01,4,kern,kernel:,"  padded message  "',
];

async function waitFor(check: () => boolean, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check() && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
}

Deno.test("syslog: rsyslog CSV fields, doubled quotes, commas inside quotes and the tag's colon", () => {
  assertEquals(splitRsyslogCsv('a,"b,c","d ""e"""'), ["a", "b,c", 'd "e"']);
  assertEquals(splitRsyslogCsv("a,b,"), ["a", "b", ""]);
  assertEquals(parseSyslogLine(LINES[1]), {
    datetime: "2026-11-23T21:00:02+00:00",
    host: "web-01",
    severity: "3",
    facility: "daemon",
    tag: "cron[99]",
    message: 'job "backup, nightly" failed',
  });
  assertEquals(parseSyslogLine("a,b,c"), { error: "Received fewer fields than expected" });
  assertEquals(parseSyslogLine("a,b,c,d,e,f,g"), { error: "Received more fields than expected" });
});

Deno.test("syslog: disabled unless --enable_syslog, and the pipe must be a FIFO", async () => {
  const dir = await Deno.makeTempDir();
  const publisher = new SyslogPublisher();
  try {
    flags.set("syslog_pipe_path", `${dir}/pipe`);
    await publisher.start();
    assertEquals(publisher.active, false);
    flags.set("enable_syslog", true);
    await Deno.writeTextFile(`${dir}/pipe`, "a regular file");
    await assertRejects(() => publisher.start(), Error, "Not a FIFO file");
  } finally {
    flags.set("enable_syslog", false);
    flags.set("syslog_pipe_path", "/var/osquery/syslog_pipe");
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("syslog_events: lines written into the pipe become rows; malformed lines are skipped", async () => {
  const dir = await Deno.makeTempDir();
  const pipe = `${dir}/syslog_pipe`;
  flags.set("enable_syslog", true);
  flags.set("syslog_pipe_path", pipe);
  const engine = new Engine();
  try {
    await syslogPublisher.start();
    assert(syslogPublisher.active);
    const st = await Deno.stat(pipe);
    assert(st.isFifo, "the publisher creates the pipe");
    assertEquals((st.mode ?? 0) & 0o777, 0o460);
    // A second reader cannot take the pipe while this one holds its lock.
    await assertRejects(() => new SyslogPublisher().start(), Error, "lock");

    const writer = await Deno.open(pipe, { write: true });
    const errorsBefore = syslogPublisher.errors;
    // Written in two pieces: the publisher must join a line split across reads.
    const text = LINES.join("\n") + "\nonly,three,fields\n";
    await writer.write(new TextEncoder().encode(text.slice(0, 50)));
    await new Promise((r) => setTimeout(r, 100));
    await writer.write(new TextEncoder().encode(text.slice(50)));
    writer.close();
    const count = () => Number(engine.query("SELECT count(*) AS n FROM syslog_events WHERE host = 'web-01'")[0].n);
    await waitFor(() => count() >= 3);
    const rows = engine.query(
      "SELECT datetime, host, severity, facility, tag, message, time > 0 AS timed FROM syslog_events WHERE host = 'web-01'",
    );
    assertEquals(rows, [
      {
        datetime: "2026-11-23T21:00:01.123456+00:00",
        host: "web-01",
        severity: 6,
        facility: "auth",
        tag: "sshd[812]",
        message: "Accepted publickey for deploy from 10.0.0.5 port 50122 ssh2",
        timed: 1,
      },
      {
        datetime: "2026-11-23T21:00:02+00:00",
        host: "web-01",
        severity: 3,
        facility: "daemon",
        tag: "cron[99]",
        message: 'job "backup, nightly" failed',
        timed: 1,
      },
      {
        datetime: "2026-11-23T21:00:03+00:00",
        host: "web-01",
        severity: 4,
        facility: "kern",
        tag: "kernel",
        message: "padded message",
        timed: 1,
      },
    ]);
    await waitFor(() => syslogPublisher.errors > errorsBefore);
    assertEquals(syslogPublisher.errors, errorsBefore + 1);
    // osquery's alias
    assertEquals(engine.query("SELECT count(*) AS n FROM syslog WHERE tag = 'kernel'"), [{ n: 1 }]);
  } finally {
    await syslogPublisher.stop();
    engine.close();
    flags.set("enable_syslog", false);
    flags.set("syslog_pipe_path", "/var/osquery/syslog_pipe");
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("syslog_events: a flood is taken --syslog_rate_limit lines per round, none lost", async () => {
  const dir = await Deno.makeTempDir();
  const pipe = `${dir}/syslog_pipe`;
  flags.set("enable_syslog", true);
  flags.set("syslog_pipe_path", pipe);
  flags.set("syslog_rate_limit", 50);
  const engine = new Engine();
  try {
    await syslogPublisher.start();
    const writer = await Deno.open(pipe, { write: true });
    const lines = Array.from({ length: 400 }, (_, i) => `2026-11-23T21:01:00+00:00,flood,7,local0,app:,line ${i}\n`);
    await writer.write(new TextEncoder().encode(lines.join("")));
    writer.close();
    const count = () => Number(engine.query("SELECT count(*) AS n FROM syslog_events WHERE host = 'flood'")[0].n);
    await waitFor(() => count() >= 400, 5000);
    assertEquals(count(), 400);
    const last = engine.query("SELECT message FROM syslog_events WHERE host = 'flood' ORDER BY eid DESC LIMIT 1");
    assertEquals(last, [{ message: "line 399" }]);
  } finally {
    await syslogPublisher.stop();
    engine.close();
    flags.set("enable_syslog", false);
    flags.set("syslog_rate_limit", 100);
    flags.set("syslog_pipe_path", "/var/osquery/syslog_pipe");
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("syslog_events: its own expiry and cap replace --events_expiry and --events_max", () => {
  const engine = new Engine();
  try {
    flags.set("syslog_events_max", 2);
    for (let i = 0; i < 5; i++) syslogPublisher.dispatch(`t,capped,5,user,x:,m${i}`);
    const rows = engine.query("SELECT message FROM syslog_events WHERE host = 'capped'");
    assertEquals(rows, [{ message: "m3" }, { message: "m4" }]);
    assertEquals(flags.get("events_max"), 50000, "the shared cap is untouched");
  } finally {
    flags.set("syslog_events_max", 100000);
    engine.close();
  }
});
