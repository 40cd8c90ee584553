import { assert, assertEquals, assertThrows } from "../../testing/assert.ts";
import { createHash } from "node:crypto";
import { Engine } from "../../core/engine.ts";
import { Registry } from "../../core/registry.ts";
import type { TableSpec } from "../../core/table.ts";
import { flags } from "../../core/flags/flags.ts";
import { fileTable } from "./file.ts";
import { hashTable } from "./hash.ts";
import { HashCache } from "./_hash.ts";
import { fileName, parentPath } from "./_lib.ts";
import { octalMode } from "../../core/host/statx.ts";
import "./mod.ts";

function engineWith(...tables: TableSpec[]): Engine {
  const registry = new Registry();
  for (const t of tables) registry.addTable(t);
  return new Engine({ registry });
}

/** A temp tree: files, a dot-file, nested dirs, a dot-dir, symlinks (good, broken, to a dir). */
function makeTree(): string {
  const root = Deno.makeTempDirSync({ prefix: "osq-files-" });
  Deno.writeTextFileSync(`${root}/a.txt`, "hello");
  Deno.writeTextFileSync(`${root}/b.log`, "log line\n");
  Deno.writeTextFileSync(`${root}/.hidden`, "secret");
  Deno.mkdirSync(`${root}/sub/deeper`, { recursive: true });
  Deno.mkdirSync(`${root}/sub/.dotdir`);
  Deno.writeTextFileSync(`${root}/sub/c.txt`, "c");
  Deno.writeTextFileSync(`${root}/sub/deeper/d.txt`, "d");
  Deno.writeTextFileSync(`${root}/sub/.dotdir/e.txt`, "e");
  Deno.symlinkSync("a.txt", `${root}/link-to-a`);
  Deno.symlinkSync("nowhere", `${root}/broken`);
  Deno.symlinkSync("sub", `${root}/dirlink`);
  return root;
}

function withTree(fn: (root: string) => void): () => void {
  return () => {
    const root = makeTree();
    try {
      fn(root);
    } finally {
      Deno.removeSync(root, { recursive: true });
    }
  };
}

const sorted = (rows: Record<string, unknown>[], key = "path") => rows.map((r) => String(r[key])).sort();

Deno.test("file: /etc/hosts on the live host has its real size, inode, mode and type", () => {
  const [row] = new Engine().query("select * from file where path = '/etc/hosts'");
  const info = Deno.statSync("/etc/hosts");
  assertEquals(row.size, info.size);
  assertEquals(row.inode, info.ino);
  assertEquals(row.mode, (info.mode! & 0o7777).toString(8).padStart(4, "0"));
  assertEquals(row.type, "regular");
  assertEquals(row.directory, "/etc");
  assertEquals(row.filename, "hosts");
  assertEquals(row.symlink, 0);
  assertEquals(row.mtime, Math.floor(info.mtime!.getTime() / 1000));
});

Deno.test("file: SELECT * FROM file fails with osquery's required-column message", () => {
  assertThrows(
    () => new Engine().query("select * from file"),
    Error,
    "Table file was queried without a required column in the WHERE clause",
  );
});

Deno.test(
  "file: symlinks report symlink = 1, their target text, and the target's type",
  withTree((root) => {
    const e = engineWith(fileTable());
    const rows = e.query(
      `select filename, symlink, symlink_target_path, type, size from file where path in ('${root}/link-to-a', '${root}/broken', '${root}/dirlink', '${root}/a.txt') order by filename`,
    );
    assertEquals(rows, [
      { filename: "a.txt", symlink: 0, symlink_target_path: "", type: "regular", size: 5 },
      { filename: "broken", symlink: 1, symlink_target_path: "nowhere", type: "unknown", size: 7 },
      { filename: "dirlink", symlink: 1, symlink_target_path: "sub", type: "directory", size: rows[2].size },
      { filename: "link-to-a", symlink: 1, symlink_target_path: "a.txt", type: "regular", size: 5 },
    ]);
  }),
);

Deno.test(
  "file: mode is four octal digits including setuid/setgid/sticky bits",
  withTree((root) => {
    Deno.chmodSync(`${root}/a.txt`, 0o640);
    Deno.chmodSync(`${root}/b.log`, 0o4755);
    const e = engineWith(fileTable());
    const rows = e.query(
      `select filename, mode from file where directory = '${root}' and filename in ('a.txt', 'b.log')`,
    );
    assertEquals(Object.fromEntries(rows.map((r) => [r.filename, r.mode])), { "a.txt": "0640", "b.log": "4755" });
    assertEquals(octalMode(0o41777), "1777");
  }),
);

Deno.test(
  "file: a UNIX socket and a missing path",
  withTree((root) => {
    const listener = Deno.listen({ transport: "unix", path: `${root}/sock` });
    try {
      const e = engineWith(fileTable());
      assertEquals(e.query(`select type from file where path = '${root}/sock'`), [{ type: "socket" }]);
      assertEquals(e.query(`select * from file where path = '${root}/missing'`), []);
    } finally {
      listener.close();
    }
  }),
);

Deno.test(
  "file: directory = lists every entry, dot-files included, under that directory",
  withTree((root) => {
    const e = engineWith(fileTable());
    const rows = e.query(`select path, directory from file where directory = '${root}'`);
    assertEquals(
      sorted(rows),
      [".hidden", "a.txt", "b.log", "broken", "dirlink", "link-to-a", "sub"].map((n) => `${root}/${n}`),
    );
    assert(rows.every((r) => r.directory === root));
  }),
);

Deno.test(
  "file: LIKE '%' matches one level without dot-files; directories get a trailing slash",
  withTree((root) => {
    const e = engineWith(fileTable());
    const rows = e.query(`select path, filename, directory, type from file where path like '${root}/%'`);
    assertEquals(sorted(rows), [
      `${root}/a.txt`,
      `${root}/b.log`,
      `${root}/broken`,
      `${root}/dirlink/`,
      `${root}/link-to-a`,
      `${root}/sub/`,
    ]);
    const sub = rows.find((r) => r.path === `${root}/sub/`)!;
    assertEquals([sub.filename, sub.directory, sub.type], [".", `${root}/sub`, "directory"]);
  }),
);

Deno.test(
  "file: LIKE '%%' walks recursively, dot-entries below the first level included, symlink loops cut",
  withTree((root) => {
    const e = engineWith(fileTable());
    const paths = sorted(e.query(`select path from file where path like '${root}/%%'`));
    const expected = [
      "a.txt",
      "b.log",
      "broken",
      "dirlink/",
      "link-to-a",
      "sub/",
      "sub/.dotdir/",
      "sub/.dotdir/e.txt",
      "sub/c.txt",
      "sub/deeper/",
      "sub/deeper/d.txt",
    ];
    // The directory reached through dirlink is the same as sub: it is walked once, under whichever
    // name readdir yields first.
    const viaLink = paths.filter((p) => p.startsWith(`${root}/dirlink/`) && p !== `${root}/dirlink/`);
    const viaSub = paths.filter((p) => p.startsWith(`${root}/sub/`) && p !== `${root}/sub/`);
    assert(viaLink.length === 0 || viaSub.length === 0, "one walk only");
    const normalized = [...new Set(paths.map((p) => p.replace(`${root}/dirlink/`, `${root}/sub/`)))]
      .map((p) => p.slice(root.length + 1)).sort();
    assertEquals(normalized, [...new Set(expected.map((p) => p.replace("dirlink/", "sub/")))].sort());
    assert(paths.includes(`${root}/dirlink/`) && paths.includes(`${root}/sub/`));
  }),
);

Deno.test(
  "file: directory LIKE resolves to subdirectories and lists their entries",
  withTree((root) => {
    const e = engineWith(fileTable());
    const rows = e.query(`select path, directory from file where directory like '${root}/s%'`);
    assertEquals(sorted(rows), [`${root}/sub/.dotdir`, `${root}/sub/c.txt`, `${root}/sub/deeper`]);
    assert(rows.every((r) => r.directory === `${root}/sub/`));
  }),
);

Deno.test("file: path helpers follow boost's parent_path and filename", () => {
  assertEquals([parentPath("/etc/hosts"), fileName("/etc/hosts")], ["/etc", "hosts"]);
  assertEquals([parentPath("/etc/ssh/"), fileName("/etc/ssh/")], ["/etc/ssh", "."]);
  assertEquals([parentPath("/etc"), fileName("/etc")], ["/", "etc"]);
  assertEquals([parentPath("/"), fileName("/")], ["", "/"]);
});

Deno.test(
  "hash: digests of a file written by the test match node:crypto",
  withTree((root) => {
    const e = engineWith(hashTable(new HashCache()));
    const [row] = e.query(`select path, directory, md5, sha1, sha256 from hash where path = '${root}/a.txt'`);
    assertEquals(row, {
      path: `${root}/a.txt`,
      directory: root,
      md5: createHash("md5").update("hello").digest("hex"),
      sha1: createHash("sha1").update("hello").digest("hex"),
      sha256: createHash("sha256").update("hello").digest("hex"),
    });
  }),
);

Deno.test(
  "hash: a multi-megabyte file is streamed and hashed correctly",
  withTree((root) => {
    const big = new Uint8Array(5 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 10)) & 0xff;
    Deno.writeFileSync(`${root}/big.bin`, big);
    const e = engineWith(hashTable(new HashCache()));
    const [row] = e.query(`select sha256, md5 from hash where path = '${root}/big.bin'`);
    assertEquals(row.sha256, createHash("sha256").update(big).digest("hex"));
    assertEquals(row.md5, createHash("md5").update(big).digest("hex"));
  }),
);

Deno.test(
  "hash: only the digests a query uses are computed; the cache is reused until the file changes",
  withTree((root) => {
    const cache = new HashCache();
    const e = engineWith(hashTable(cache));
    const q = (col: string) => e.query(`select ${col} from hash where path = '${root}/a.txt'`)[0][col];
    q("md5");
    assertEquals(cache.reads, 1);
    q("md5");
    assertEquals(cache.reads, 1);
    q("sha256");
    assertEquals(cache.reads, 2);
    q("path");
    assertEquals(cache.reads, 2);
    Deno.writeTextFileSync(`${root}/a.txt`, "changed content");
    assertEquals(q("md5"), createHash("md5").update("changed content").digest("hex"));
    assertEquals(cache.reads, 3);
  }),
);

Deno.test(
  "hash: the cache holds at most hash_cache_max paths, evicting the least recently used",
  withTree((root) => {
    const cache = new HashCache();
    cache.digests(`${root}/a.txt`, ["md5"], 2);
    cache.digests(`${root}/b.log`, ["md5"], 2);
    cache.digests(`${root}/a.txt`, ["md5"], 2);
    cache.digests(`${root}/sub/c.txt`, ["md5"], 2);
    assertEquals(cache.size, 2);
    assertEquals(cache.reads, 3);
    cache.digests(`${root}/a.txt`, ["md5"], 2); // still cached: b.log was the one evicted
    assertEquals(cache.reads, 3);
    cache.digests(`${root}/b.log`, ["md5"], 2);
    assertEquals(cache.reads, 4);
  }),
);

Deno.test(
  "hash: files over --read_max get empty digests",
  withTree((root) => {
    const before = flags.get("read_max");
    flags.set("read_max", 3);
    try {
      const e = engineWith(hashTable(new HashCache()));
      assertEquals(e.query(`select md5 from hash where path = '${root}/a.txt'`), [{ md5: "" }]);
    } finally {
      flags.set("read_max", before);
    }
  }),
);

Deno.test(
  "hash: directory = hashes regular files only (symlinks to files followed)",
  withTree((root) => {
    const e = engineWith(hashTable(new HashCache()));
    const rows = e.query(`select path, directory from hash where directory = '${root}'`);
    assertEquals(sorted(rows), [".hidden", "a.txt", "b.log", "link-to-a"].map((n) => `${root}/${n}`));
    assert(rows.every((r) => r.directory === root));
  }),
);

Deno.test(
  "hash: file JOIN hash USING (path) on a directory, and hash WHERE path LIKE",
  withTree((root) => {
    const e = engineWith(fileTable(), hashTable(new HashCache()));
    const joined = e.query(
      `select f.path, h.md5 from file f join hash h using (path) where f.directory = '${root}' order by f.path`,
    );
    assertEquals(joined.map((r) => r.path), [".hidden", "a.txt", "b.log", "link-to-a"].map((n) => `${root}/${n}`));
    assertEquals(joined[1].md5, createHash("md5").update("hello").digest("hex"));
    const liked = e.query(`select path, sha256 from hash where path like '${root}/%' order by path`);
    assertEquals(liked.map((r) => r.path), [`${root}/a.txt`, `${root}/b.log`, `${root}/link-to-a`]);
    assertEquals(liked[0].sha256, createHash("sha256").update("hello").digest("hex"));
  }),
);

Deno.test("hash: live /etc/hosts digest matches node:crypto; LIKE '/etc/%' returns rows", () => {
  const e = new Engine();
  const [row] = e.query("select sha256 from hash where path = '/etc/hosts'");
  assertEquals(row.sha256, createHash("sha256").update(Deno.readFileSync("/etc/hosts")).digest("hex"));
  const rows = e.query("select path, sha256 from hash where path like '/etc/%'");
  assert(rows.some((r) => r.path === "/etc/hosts"));
  assert(rows.every((r) => typeof r.sha256 === "string" && String(r.path).startsWith("/etc/")));
});

Deno.test(
  "file: btime from statx is 0 or the file's creation time; device is st_rdev",
  withTree((root) => {
    const e = engineWith(fileTable());
    const now = Math.floor(Date.now() / 1000);
    const [row] = e.query(`select btime, device from file where path = '${root}/a.txt'`);
    assert(row.btime === 0 || Math.abs(Number(row.btime) - now) < 120, `btime ${row.btime}`);
    assertEquals(row.device, 0);
    assertEquals(e.query("select device, type from file where path = '/dev/null'"), [{
      device: 259,
      type: "character",
    }]);
  }),
);

Deno.test(
  "file and hash: pid_with_namespace reads through /proc/<pid>/root and echoes the pid",
  withTree((root) => {
    const e = engineWith(fileTable(), hashTable(new HashCache()));
    const pid = Deno.pid; // our own root is the host's, so the answers must match the plain ones
    const inNs = e.query(
      `select path, directory, size, pid_with_namespace from file where path like '${root}/%' and pid_with_namespace = ${pid} order by path`,
    );
    const plain = e.query(`select path, directory, size from file where path like '${root}/%' order by path`);
    assertEquals(inNs, plain.map((r) => ({ ...r, pid_with_namespace: pid })));
    const [h] = e.query(
      `select md5, pid_with_namespace from hash where path = '${root}/a.txt' and pid_with_namespace = ${pid}`,
    );
    assertEquals(h, { md5: createHash("md5").update("hello").digest("hex"), pid_with_namespace: pid });
    assertEquals(e.query(`select * from file where path = '${root}/a.txt' and pid_with_namespace = 999999999`), []);
  }),
);

Deno.test(
  "hash: /proc/kmsg and FIFOs never block the query (devices and FIFOs are skipped, a blocking read ends)",
  withTree((root) => {
    const e = engineWith(hashTable(new HashCache()));
    assert(new Deno.Command("mkfifo", { args: [`${root}/fifo`] }).outputSync().success, "mkfifo failed");
    assertEquals(e.query(`select path from hash where path = '${root}/fifo'`), []);
    const listed = e.query(`select path from hash where directory = '${root}' order by path`).map((r) => r.path);
    assert(!listed.includes(`${root}/fifo`), `the FIFO was listed: ${listed}`);
    assert(listed.includes(`${root}/a.txt`));
    try {
      Deno.openSync("/proc/kmsg").close();
    } catch {
      console.warn("/proc/kmsg is not readable here (not root or no procfs): checked the FIFO only");
      return;
    }
    const rows = e.query("select path, md5 from hash where path = '/proc/kmsg'");
    assertEquals(rows.length, 1);
  }),
);
