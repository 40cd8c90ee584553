import { OP, QueryContext, type Row } from "../../core/table.ts";
import processes from "./processes.ts";
import processOpenSockets from "./process_open_sockets.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import { fixtureHost, tableEngine, testdata } from "../../testing/table_engine.ts";
import { waitFor } from "../../testing/wait.ts";

const engine = tableEngine([processes, processOpenSockets]);

/** The fixture tree's rows, the generator called directly (so a column it leaves out stays undefined). */
function fixtureRows(pids: number[] = [], used?: string[]): Row[] {
  const constraints = new Map(pids.length ? [["pid", pids.map((value) => ({ op: OP.EQUALS, value }))]] : []);
  const ctx = new QueryContext("processes", constraints, used ? new Set(used) : undefined);
  ctx.host = fixtureHost(testdata("processes"));
  return [...processes.generate(ctx)];
}

Deno.test("processes: pid = 1 returns init's row", () => {
  const rows = engine.query("SELECT name, pid FROM processes WHERE pid = 1");
  assertEquals(rows.length, 1);
  assertEquals(rows[0].pid, 1);
  assert(typeof rows[0].name === "string" && rows[0].name !== "");
});

Deno.test("processes: our own row has the deno executable, our uid and a sensible start time", () => {
  const [row] = engine.query("SELECT * FROM processes WHERE pid = ?", [Deno.pid]);
  assert(String(row.path).endsWith("deno"), `path ${row.path}`);
  assertEquals(row.on_disk, 1);
  assertEquals(row.uid, Deno.uid());
  assertEquals(row.parent, Deno.ppid);
  assertEquals(row.cwd, Deno.cwd());
  assert(["R", "S"].includes(String(row.state)), `state ${row.state}`);
  assert(String(row.cmdline).includes("test"), `cmdline ${row.cmdline}`);
  assert(Number(row.threads) >= 1);
  assert(Number(row.resident_size) > 1 << 20 && Number(row.total_size) >= Number(row.resident_size));
  const now = Date.now() / 1000;
  assert(Number(row.start_time) > now - 24 * 3600 * 365 && Number(row.start_time) <= now + 1, `${row.start_time}`);
  assertEquals(row.wired_size, 0);
});

Deno.test("processes: IN (...) reaches the generator once and yields only existing pids", () => {
  const seen: number[][] = [];
  engine.scanObserver = (table, ctx) => {
    if (table === "processes") seen.push(ctx.integerEquals("pid"));
  };
  try {
    const rows = engine.query(`SELECT pid FROM processes WHERE pid IN (1, ${Deno.pid}, 2147483646) ORDER BY pid`);
    assertEquals(rows.map((r) => r.pid), [1, Deno.pid]);
    assertEquals(seen.length, 1);
    assertEquals(seen[0].sort((a, b) => a - b), [1, Deno.pid, 2147483646].sort((a, b) => a - b));
  } finally {
    engine.scanObserver = undefined;
  }
});

Deno.test("processes: a full scan lists pid 1 and us, each pid once", () => {
  const rows = engine.query("SELECT pid, name, parent FROM processes");
  const pids = rows.map((r) => r.pid);
  assert(pids.includes(1) && pids.includes(Deno.pid));
  assertEquals(new Set(pids).size, pids.length);
});

Deno.test("processes: the name is the same whether comm, stat or status gives it (escaped, as status prints it)", async () => {
  // The kernel names a process after the file it executed: a link with a backslash, parentheses
  // and a newline in its name gives a child those characters.
  const dir = Deno.makeTempDirSync({ prefix: "osq_processes_name_" });
  const link = `${dir}/a\\b (c)\nd`;
  Deno.symlinkSync("/bin/sleep", link);
  const child = new Deno.Command(link, { args: ["60"], stdout: "null", stderr: "null" }).spawn();
  try {
    const comm = `/proc/${child.pid}/comm`;
    await waitFor("the child's exec", () => Deno.readTextFileSync(comm) === "a\\b (c)\nd\n");
    const name = (columns: string) =>
      engine.query(`SELECT ${columns} FROM processes WHERE pid = ?`, [child.pid])[0]?.name;
    assertEquals(name("pid, name"), "a\\\\b (c)\\nd"); // from comm
    assertEquals(name("pid, name, state"), "a\\\\b (c)\\nd"); // from stat
    assertEquals(name("pid, name, uid"), "a\\\\b (c)\\nd"); // from status
    const scan = engine.query("SELECT pid, name FROM processes").find((r) => r.pid === child.pid);
    assertEquals(scan?.name, "a\\\\b (c)\\nd");
  } finally {
    child.kill("SIGKILL");
    await child.status;
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("processes: joins to process_open_sockets by pid", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const rows = engine.query(
    "SELECT p.pid, p.name, s.state FROM processes p JOIN process_open_sockets s USING (pid) WHERE s.local_port = ? AND s.protocol = 6",
    [port],
  );
  assertEquals(rows.length, 1);
  assertEquals(rows[0].pid, Deno.pid);
  assertEquals(rows[0].state, "LISTEN");
  await Promise.resolve();
});

Deno.test("processes: fixture rows carry osquery's units and skip broken or vanished processes", () => {
  const rows = fixtureRows();
  assertEquals(rows.map((r) => r.pid), [1, 42, 80]); // 77 truncated stat, 78 bad VmRSS, 79 gone
  assertEquals(rows[0], {
    pid: 1,
    name: "init",
    path: "/sbin/init",
    on_disk: 1,
    cmdline: "/sbin/init --log-level debug",
    state: "S",
    cwd: "/",
    root: "/",
    uid: 0,
    gid: 0,
    euid: 0,
    egid: 0,
    suid: 0,
    sgid: 0,
    wired_size: 0,
    resident_size: 1048576,
    total_size: 2097152,
    user_time: 1500,
    system_time: 500,
    disk_bytes_read: 4096,
    disk_bytes_written: 7168,
    start_time: 1700000002,
    parent: 0,
    pgroup: 1,
    threads: 3,
    nice: 0,
    cgroup_path: "/init.scope",
  });
  const weird = rows[1];
  assertEquals([weird.name, weird.uid, weird.euid, weird.suid, weird.gid], ["my (weird) proc", 1000, 1001, 1002, 100]);
  assertEquals([weird.path, weird.on_disk], ["/nonexistent/osq-fixture-binary", 0]); // " (deleted)" removed
  assertEquals([weird.cmdline, weird.cgroup_path, weird.nice], ["worker", "/system.slice/app.service", -5]);
  assertEquals(weird.disk_bytes_read, undefined); // no io file: NULL, not 0
  const kthread = rows[2];
  assertEquals([kthread.path, kthread.cmdline, kthread.on_disk], ["", "", -1]);
  assertEquals([kthread.resident_size, kthread.total_size], [undefined, undefined]);
});

Deno.test("processes: unused costly columns are not read", () => {
  const [row] = fixtureRows([1], ["pid", "name"]);
  assertEquals(row.name, "init");
  for (const costly of ["path", "on_disk", "cmdline", "cwd", "root", "uid", "disk_bytes_read", "cgroup_path"]) {
    assertEquals(row[costly], undefined, costly);
  }
  // The name comes from stat when status is not needed, so pid 78's broken status does not matter.
  const [bad] = fixtureRows([78], ["pid", "name"]);
  assertEquals(bad.name, "badrss");
});

Deno.test("processes: pid constraints select only existing fixture pids", () => {
  const rows = fixtureRows([42, 4242, 77]);
  assertEquals(rows.map((r) => r.pid), [42]);
});
