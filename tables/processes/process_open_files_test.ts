import { type QueryContext } from "../../core/table.ts";
import processOpenFiles from "./process_open_files.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import { CancelAfter } from "../../testing/cancel_after.ts";
import { fixtureHost, tableEngine, testdata } from "../../testing/table_engine.ts";

const engine = tableEngine([processOpenFiles]);

/** The generator's rows for `ctx`, reading the procfs under `root`. */
function rowsUnder(root: string, ctx: QueryContext = new CancelAfter("process_open_files", Infinity)) {
  ctx.host = fixtureHost(root);
  return [...processOpenFiles.generate(ctx)];
}

Deno.test("process_open_files: a file we open shows with our pid and its descriptor", () => {
  const path = Deno.makeTempFileSync({ prefix: "osq-open-files-" });
  try {
    using _file = Deno.openSync(path, { read: true });
    const rows = engine.query("SELECT pid, fd, path FROM process_open_files WHERE pid = ? AND path = ?", [
      Deno.pid,
      path,
    ]);
    assertEquals(rows.length, 1);
    assert(Number(rows[0].fd) >= 3);
  } finally {
    Deno.removeSync(path);
  }
});

Deno.test("process_open_files: no sockets, pipes or anonymous inodes are listed", () => {
  const rows = engine.query("SELECT path FROM process_open_files WHERE pid = ?", [Deno.pid]);
  assert(rows.length > 0);
  for (const r of rows) {
    assert(!/^(socket|pipe|anon_inode):/.test(String(r.path)), String(r.path));
  }
});

Deno.test("process_open_files: fixture descriptors keep only file paths", () => {
  const fixture = tableEngine([processOpenFiles], fixtureHost(testdata("processes")));
  const all = fixture.query("SELECT * FROM process_open_files");
  assertEquals(all, [
    { pid: 1, fd: 0, path: "/dev/null" },
    { pid: 1, fd: 4, path: "/var/log/app.log" },
  ]);
  const none = fixture.query("SELECT * FROM process_open_files WHERE pid = 42");
  assertEquals(none, []);
});

Deno.test("process_open_files: an interrupted query stops between processes", () => {
  // A procfs of ten processes holding one file each.
  const root = Deno.makeTempDirSync({ prefix: "osq-open-files-host-" });
  try {
    for (let pid = 1; pid <= 10; pid++) {
      Deno.mkdirSync(`${root}/proc/${pid}/fd`, { recursive: true });
      Deno.symlinkSync(`/var/tmp/file-${pid}`, `${root}/proc/${pid}/fd/3`);
    }
    assertEquals(rowsUnder(root).length, 10);
    const ctx = new CancelAfter("process_open_files", 3);
    assertEquals(rowsUnder(root, ctx).length, 3, "only the processes read before the interrupt");
    assertEquals(ctx.polls, 4);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
