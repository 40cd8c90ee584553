import { assert, assertEquals, assertThrows } from "../../testing/assert.ts";
import { createHash } from "node:crypto";
import type { Engine } from "../../core/engine.ts";
import { flags } from "../../core/flags/flags.ts";
import { fixtureHost, tableEngine } from "../../testing/table_engine.ts";
import file from "./file.ts";
import hash from "./hash.ts";
import { HashCache, hashCache } from "./_hash.ts";
import { fileName, parentPath } from "./_lib.ts";
import { octalMode } from "../../core/host/statx.ts";

/** A temp tree, read as a host's root: files, a dot-file, nested dirs, a dot-dir, symlinks (good, broken, to a dir). */
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

/** Runs `fn` over a fresh tree with an engine serving `file` and `hash` from it (`root` is where it lies). */
function withTree(fn: (e: Engine, root: string) => void): () => void {
  return () => {
    const root = makeTree();
    try {
      fn(tableEngine([file, hash], fixtureHost(root)), root);
    } finally {
      Deno.removeSync(root, { recursive: true });
    }
  };
}

const sorted = (rows: Record<string, unknown>[], key = "path") => rows.map((r) => String(r[key])).sort();
const md5 = (text: string | Uint8Array) => createHash("md5").update(text).digest("hex");

Deno.test("file: /etc/hosts on the live host has its real size, inode, mode and type", () => {
  const [row] = tableEngine([file]).query("select * from file where path = '/etc/hosts'");
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
    () => tableEngine([file]).query("select * from file"),
    Error,
    "Table file was queried without a required column in the WHERE clause",
  );
});

Deno.test(
  "file: symlinks report symlink = 1, their target text, and the target's type",
  withTree((e) => {
    const rows = e.query(
      "select filename, symlink, symlink_target_path, type, size from file where path in ('/link-to-a', '/broken', '/dirlink', '/a.txt') order by filename",
    );
    assertEquals(rows, [
      { filename: "a.txt", symlink: 0, symlink_target_path: "", type: "regular", size: 5 },
      { filename: "broken", symlink: 1, symlink_target_path: "nowhere", type: "unknown", size: 7 },
      { filename: "dirlink", symlink: 1, symlink_target_path: "sub", type: "directory", size: rows[2].size },
      { filename: "link-to-a", symlink: 1, symlink_target_path: "a.txt", type: "regular", size: 5 },
    ]);
    // Not reading the link's text does not change the other columns.
    assertEquals(e.query("select type, symlink from file where path = '/link-to-a'"), [{
      type: "regular",
      symlink: 1,
    }]);
  }),
);

Deno.test(
  "file: mode is four octal digits including setuid/setgid/sticky bits",
  withTree((e, root) => {
    Deno.chmodSync(`${root}/a.txt`, 0o640);
    Deno.chmodSync(`${root}/b.log`, 0o4755);
    const rows = e.query("select filename, mode from file where directory = '/' and filename in ('a.txt', 'b.log')");
    assertEquals(Object.fromEntries(rows.map((r) => [r.filename, r.mode])), { "a.txt": "0640", "b.log": "4755" });
    assertEquals([octalMode(0o41777), octalMode(0o100644), octalMode(undefined)], ["1777", "0644", "0000"]);
  }),
);

Deno.test(
  "file: a UNIX socket and a missing path",
  withTree((e, root) => {
    const listener = Deno.listen({ transport: "unix", path: `${root}/sock` });
    try {
      assertEquals(e.query("select type from file where path = '/sock'"), [{ type: "socket" }]);
      assertEquals(e.query("select * from file where path = '/missing'"), []);
    } finally {
      listener.close();
    }
  }),
);

Deno.test(
  "file: directory = lists every entry, dot-files included, under that directory",
  withTree((e) => {
    const rows = e.query("select path, directory from file where directory = '/sub'");
    assertEquals(sorted(rows), ["/sub/.dotdir", "/sub/c.txt", "/sub/deeper"]);
    assert(rows.every((r) => r.directory === "/sub"));
    const top = e.query("select path from file where directory = '/'");
    assertEquals(
      sorted(top),
      [".hidden", "a.txt", "b.log", "broken", "dirlink", "link-to-a", "sub"].map((n) => `/${n}`),
    );
  }),
);

Deno.test(
  "file: LIKE '%' matches one level without dot-files; directories get a trailing slash",
  withTree((e) => {
    const rows = e.query("select path, filename, directory, type from file where path like '/%'");
    assertEquals(sorted(rows), ["/a.txt", "/b.log", "/broken", "/dirlink/", "/link-to-a", "/sub/"]);
    const sub = rows.find((r) => r.path === "/sub/")!;
    assertEquals([sub.filename, sub.directory, sub.type], [".", "/sub", "directory"]);
  }),
);

Deno.test(
  "file: LIKE '%%' walks recursively in byte order, dot-entries below the first level included, symlink loops cut",
  withTree((e) => {
    const paths = e.query("select path from file where path like '/%%'").map((r) => String(r.path));
    // The walk streams in byte order (each directory's entries sorted, a directory's subtree after it).
    assertEquals(paths, [...paths].sort());
    const expected = [
      "/a.txt",
      "/b.log",
      "/broken",
      "/dirlink/",
      "/link-to-a",
      "/sub/",
      "/sub/.dotdir/",
      "/sub/.dotdir/e.txt",
      "/sub/c.txt",
      "/sub/deeper/",
      "/sub/deeper/d.txt",
    ];
    // The directory reached through dirlink is the same as sub: it is walked once, under whichever
    // name comes first.
    const viaLink = paths.filter((p) => p.startsWith("/dirlink/") && p !== "/dirlink/");
    const viaSub = paths.filter((p) => p.startsWith("/sub/") && p !== "/sub/");
    assert(viaLink.length === 0 || viaSub.length === 0, "one walk only");
    const normalized = [...new Set(paths.map((p) => p.replace("/dirlink/", "/sub/")))].sort();
    assertEquals(normalized, [...new Set(expected.map((p) => p.replace("/dirlink/", "/sub/")))].sort());
    assert(paths.includes("/dirlink/") && paths.includes("/sub/"));
  }),
);

Deno.test(
  "file: directory LIKE resolves to subdirectories and lists their entries",
  withTree((e) => {
    const rows = e.query("select path, directory from file where directory like '/s%'");
    assertEquals(sorted(rows), ["/sub/.dotdir", "/sub/c.txt", "/sub/deeper"]);
    assert(rows.every((r) => r.directory === "/sub/"));
  }),
);

Deno.test("file: path helpers follow boost's parent_path and filename", () => {
  assertEquals([parentPath("/etc/hosts"), fileName("/etc/hosts")], ["/etc", "hosts"]);
  assertEquals([parentPath("/etc/ssh/"), fileName("/etc/ssh/")], ["/etc/ssh", "."]);
  assertEquals([parentPath("/etc"), fileName("/etc")], ["/", "etc"]);
  assertEquals([parentPath("/"), fileName("/")], ["", "/"]);
});

Deno.test(
  "file: btime from statx is 0 or the file's creation time; device is st_rdev",
  withTree((e) => {
    const now = Math.floor(Date.now() / 1000);
    const [row] = e.query("select btime, device from file where path = '/a.txt'");
    assert(row.btime === 0 || Math.abs(Number(row.btime) - now) < 120, `btime ${row.btime}`);
    assertEquals(row.device, 0);
    assertEquals(tableEngine([file]).query("select device, type from file where path = '/dev/null'"), [{
      device: 259,
      type: "character",
    }]);
  }),
);

Deno.test(
  "hash: digests of a file written by the test match node:crypto",
  withTree((e) => {
    const [row] = e.query("select path, directory, md5, sha1, sha256 from hash where path = '/a.txt'");
    assertEquals(row, {
      path: "/a.txt",
      directory: "/",
      md5: md5("hello"),
      sha1: createHash("sha1").update("hello").digest("hex"),
      sha256: createHash("sha256").update("hello").digest("hex"),
    });
  }),
);

Deno.test(
  "hash: a multi-megabyte file is streamed and hashed correctly",
  withTree((e, root) => {
    const big = new Uint8Array(5 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 10)) & 0xff;
    Deno.writeFileSync(`${root}/big.bin`, big);
    const [row] = e.query("select sha256, md5 from hash where path = '/big.bin'");
    assertEquals(row.sha256, createHash("sha256").update(big).digest("hex"));
    assertEquals(row.md5, md5(big));
  }),
);

Deno.test(
  "hash: only the digests a query uses are computed; the cache is reused until the file changes",
  withTree((e, root) => {
    const q = (col: string) => e.query(`select ${col} from hash where path = '/a.txt'`)[0][col];
    const reads = hashCache.reads;
    q("md5");
    assertEquals(hashCache.reads - reads, 1);
    q("md5");
    assertEquals(hashCache.reads - reads, 1);
    q("sha256");
    assertEquals(hashCache.reads - reads, 2);
    q("path");
    assertEquals(hashCache.reads - reads, 2);
    Deno.writeTextFileSync(`${root}/a.txt`, "changed content");
    assertEquals(q("md5"), md5("changed content"));
    assertEquals(hashCache.reads - reads, 3);
  }),
);

Deno.test(
  "hash: the cache holds at most hash_cache_max paths, evicting the least recently used",
  withTree((_e, root) => {
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
  withTree((e) => {
    const before = flags.get("read_max");
    const cached = flags.get("disable_hash_cache");
    flags.set("read_max", 3);
    flags.set("disable_hash_cache", true);
    try {
      assertEquals(e.query("select md5 from hash where path = '/a.txt'"), [{ md5: "" }]);
    } finally {
      flags.set("read_max", before);
      flags.set("disable_hash_cache", cached);
    }
  }),
);

Deno.test(
  "hash: directory = hashes regular files only (symlinks to files followed)",
  withTree((e) => {
    const rows = e.query("select path, directory from hash where directory = '/'");
    assertEquals(sorted(rows), [".hidden", "a.txt", "b.log", "link-to-a"].map((n) => `/${n}`));
    assert(rows.every((r) => r.directory === "/"));
  }),
);

Deno.test(
  "hash: file JOIN hash USING (path) on a directory, and hash WHERE path LIKE",
  withTree((e) => {
    const joined = e.query(
      "select f.path, h.md5 from file f join hash h using (path) where f.directory = '/' order by f.path",
    );
    assertEquals(joined.map((r) => r.path), [".hidden", "a.txt", "b.log", "link-to-a"].map((n) => `/${n}`));
    assertEquals(joined[1].md5, md5("hello"));
    const liked = e.query("select path, sha256 from hash where path like '/%' order by path");
    assertEquals(liked.map((r) => r.path), ["/a.txt", "/b.log", "/link-to-a"]);
    assertEquals(liked[0].sha256, createHash("sha256").update("hello").digest("hex"));
  }),
);

Deno.test("hash: live /etc/hosts digest matches node:crypto; LIKE '/etc/%' returns rows", () => {
  const e = tableEngine([hash]);
  const [row] = e.query("select sha256 from hash where path = '/etc/hosts'");
  assertEquals(row.sha256, createHash("sha256").update(Deno.readFileSync("/etc/hosts")).digest("hex"));
  const rows = e.query("select path, sha256 from hash where path like '/etc/%'");
  assert(rows.some((r) => r.path === "/etc/hosts"));
  assert(rows.every((r) => typeof r.sha256 === "string" && String(r.path).startsWith("/etc/")));
});

Deno.test(
  "file and hash: pid_with_namespace reads a fixture process's root, carries its mount namespace, skips a pid without one",
  withTree((e, root) => {
    Deno.mkdirSync(`${root}/proc/77/ns`, { recursive: true });
    Deno.mkdirSync(`${root}/proc/77/root/etc`, { recursive: true });
    Deno.mkdirSync(`${root}/proc/78/root/etc`, { recursive: true });
    Deno.symlinkSync("mnt:[4026532999]", `${root}/proc/77/ns/mnt`);
    Deno.writeTextFileSync(`${root}/proc/77/root/etc/hosts`, "127.0.0.1 inside\n");
    Deno.writeTextFileSync(`${root}/proc/78/root/etc/hosts`, "not read: no namespace link\n");
    const rows = e.query(
      "select path, directory, size, pid_with_namespace, mount_namespace_id from file where path like '/etc/%' and pid_with_namespace in (77, 78)",
    );
    assertEquals(rows, [{
      path: "/etc/hosts",
      directory: "/etc",
      size: 17,
      pid_with_namespace: 77,
      mount_namespace_id: "4026532999",
    }]);
    assertEquals(
      e.query(
        "select md5, pid_with_namespace, mount_namespace_id from hash where path = '/etc/hosts' and pid_with_namespace = 77",
      ),
      [{ md5: md5("127.0.0.1 inside\n"), pid_with_namespace: 77, mount_namespace_id: "4026532999" }],
    );
    // Without the column the host's view is read: no /etc/hosts in the tree's root.
    assertEquals(e.query("select path from file where path = '/etc/hosts'"), []);
  }),
);

Deno.test(
  "file: pid_with_namespace on the live host reads through /proc/<pid>/root and echoes the pid",
  withTree((_e, root) => {
    const e = tableEngine([file]);
    const pid = Deno.pid; // our own root is the host's, so the answers must match the plain ones
    const inNs = e.query(
      `select path, directory, size, pid_with_namespace from file where path like '${root}/%' and pid_with_namespace = ${pid} order by path`,
    );
    const plain = e.query(`select path, directory, size from file where path like '${root}/%' order by path`);
    assertEquals(inNs, plain.map((r) => ({ ...r, pid_with_namespace: pid })));
    assertEquals(e.query(`select * from file where path = '${root}/a.txt' and pid_with_namespace = 999999999`), []);
  }),
);

Deno.test(
  "hash: /proc/kmsg and FIFOs never block the query (devices and FIFOs are skipped, a blocking read ends)",
  withTree((e, root) => {
    assert(new Deno.Command("mkfifo", { args: [`${root}/fifo`] }).outputSync().success, "mkfifo failed");
    assertEquals(e.query("select path from hash where path = '/fifo'"), []);
    const listed = e.query("select path from hash where directory = '/' order by path").map((r) => r.path);
    assert(!listed.includes("/fifo"), `the FIFO was listed: ${listed}`);
    assert(listed.includes("/a.txt"));
    try {
      Deno.openSync("/proc/kmsg").close();
    } catch {
      console.warn("/proc/kmsg is not readable here (not root or no procfs): checked the FIFO only");
      return;
    }
    const rows = tableEngine([hash]).query("select path, md5 from hash where path = '/proc/kmsg'");
    assertEquals(rows.length, 1);
  }),
);
