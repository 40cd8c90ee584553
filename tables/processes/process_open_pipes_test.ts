import processOpenPipes, { pairPipes } from "./process_open_pipes.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import { CancelAfter } from "../../testing/cancel_after.ts";
import { fixtureHost, tableEngine, testdata } from "../../testing/table_engine.ts";

const engine = tableEngine([processOpenPipes]);

Deno.test("process_open_pipes: a child's piped stdout pairs with our read end", async () => {
  const child = new Deno.Command("sleep", { args: ["30"], stdout: "piped", stderr: "null", stdin: "null" }).spawn();
  try {
    const rows = engine.query("SELECT * FROM process_open_pipes WHERE pid = ? AND fd = 1", [child.pid]);
    const ours = rows.find((r) => r.partner_pid === Deno.pid);
    assert(ours, JSON.stringify(rows));
    assertEquals([ours.mode, ours.type, ours.partner_mode], ["w", "anonymous", "r"]);
    const back = engine.query("SELECT * FROM process_open_pipes WHERE pid = ? AND partner_pid = ? AND inode = ?", [
      Deno.pid,
      child.pid,
      ours.inode,
    ]);
    assertEquals(back.length, 1);
    assertEquals([back[0].mode, back[0].partner_fd, back[0].partner_mode], ["r", 1, "w"]);
  } finally {
    child.kill();
    await child.stdout.cancel();
    await child.status;
  }
});

Deno.test("process_open_pipes: fixture pipes pair by inode; a lone end has no partner", () => {
  const rows = tableEngine([processOpenPipes], fixtureHost(testdata("processes")))
    .query("SELECT pid, fd, mode, inode, type, partner_pid, partner_fd, partner_mode FROM process_open_pipes");
  // Fixture links are plain symlinks (mode rwx), so every end reads as "rw".
  assertEquals(rows, [
    { pid: 1, fd: 1, mode: "rw", inode: 5001, type: "anonymous", partner_pid: 42, partner_fd: 0, partner_mode: "rw" },
    { pid: 42, fd: 0, mode: "rw", inode: 5001, type: "anonymous", partner_pid: 1, partner_fd: 1, partner_mode: "rw" },
    {
      pid: 42,
      fd: 7,
      mode: "rw",
      inode: 5002,
      type: "anonymous",
      partner_pid: null,
      partner_fd: null,
      partner_mode: "",
    },
  ]);
});

Deno.test("process_open_pipes: ends with the same one-way mode are not partners", () => {
  const end = (pid: number, fd: number, mode: string) => ({ pid, fd, mode, inode: 9, type: "anonymous" as const });
  const rows = pairPipes([end(1, 3, "w"), end(2, 4, "w"), end(3, 0, "r")]);
  assertEquals(rows.map((r) => [r.pid, r.partner_pid]), [[1, 3], [2, 3], [3, 1], [3, 2]]);
});

Deno.test("process_open_pipes: an interrupted query stops between processes", () => {
  // A procfs of six processes holding one pipe end each.
  const root = Deno.makeTempDirSync({ prefix: "osq-open-pipes-host-" });
  try {
    for (let pid = 1; pid <= 6; pid++) {
      Deno.mkdirSync(`${root}/proc/${pid}/fd`, { recursive: true });
      Deno.symlinkSync(`pipe:[${1000 + pid}]`, `${root}/proc/${pid}/fd/0`);
    }
    const rowsAfter = (ctx: CancelAfter) => {
      ctx.host = fixtureHost(root);
      return [...processOpenPipes.generate(ctx)];
    };
    assertEquals(rowsAfter(new CancelAfter("process_open_pipes", Infinity)).length, 6);
    const ctx = new CancelAfter("process_open_pipes", 2);
    assertEquals(rowsAfter(ctx).length, 2, "only the processes read before the interrupt");
    assertEquals(ctx.polls, 3);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
