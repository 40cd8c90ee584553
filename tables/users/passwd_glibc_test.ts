/**
 * /etc/passwd read as glibc's fgetpwent_r reads it (osquery's `users` uses it): the fixture
 * testdata/users/malformed/etc/passwd holds the malformed shapes, and the expected entries are
 * checked both as written here and against the host's own glibc where there is one.
 */
import { assertEquals } from "../../testing/assert.ts";
import { parsePasswd } from "../../core/host/accounts.ts";
import usersTable from "./users.ts";
import { fixtureHost, tableEngine, testdata } from "../../testing/table_engine.ts";

const PASSWD = testdata("users", "malformed", "etc", "passwd");

type Entry = [name: string, uid: number, gid: number, gecos: string, dir: string, shell: string];

/** What glibc 2.36 returns for the fixture (checked with fgetpwent_r). */
const EXPECTED: Entry[] = [
  ["root", 0, 0, "root", "/root", "/bin/bash"],
  ["maxed", 4294967295, 5, "largest uid", "/home/maxed", "/bin/sh"],
  ["spaced", 1001, 1001, "leading spaces", "/home/spaced", "/bin/sh"],
  ["tabbed", 1002, 1002, "leading tab", "/home/tabbed", "/bin/sh"],
  ["+", 0, 0, "", "", ""],
  ["+nisuser", 0, 0, "", "", ""],
  ["-baduser", 0, 0, "", "", ""],
  ["+@netgroup", 77, 88, "netgroup", "/n", "/bin/sh"],
  ["-@blocked", 0, 0, "", "", ""],
  ["plus", 7, 5, "plus sign", "/", "/bin/sh"],
  ["lead", 12, 5, "blank before the uid", "/", "/bin/sh"],
  ["four", 5, 5, "", "", ""],
  ["colons", 5, 5, "", "/", "/bin/sh:extra"],
  ["", 6, 6, "empty name", "/", "/bin/sh"],
  ["crlf", 10, 10, "", "/", "/bin/sh\r"],
];

function entries(text: string): Entry[] {
  return parsePasswd(text).map((u) => [u.username, u.uid, u.gid, u.gecos, u.directory, u.shell]);
}

/** The host glibc's reading of `path` through fgetpwent_r, or undefined without glibc. */
function glibcEntries(path: string): Entry[] | undefined {
  let lib;
  try {
    lib = Deno.dlopen(
      "libc.so.6",
      {
        fopen: { parameters: ["buffer", "buffer"], result: "pointer" },
        fclose: { parameters: ["pointer"], result: "i32" },
        fgetpwent_r: { parameters: ["pointer", "buffer", "buffer", "usize", "buffer"], result: "i32" },
      } as const,
    );
  } catch {
    return undefined;
  }
  const c = (s: string) => new TextEncoder().encode(s + "\0");
  const file = lib.symbols.fopen(c(path), c("r"));
  if (file === null) throw new Error(`cannot open ${path}`);
  const out: Entry[] = [];
  const pwd = new Uint8Array(48);
  const buf = new Uint8Array(16384);
  const result = new BigUint64Array(1);
  const text = (view: DataView, at: number) => {
    const p = Deno.UnsafePointer.create(view.getBigUint64(at, true));
    return p === null ? "" : Deno.UnsafePointerView.getCString(p);
  };
  try {
    while (lib.symbols.fgetpwent_r(file, pwd, buf, BigInt(buf.length), new Uint8Array(result.buffer)) === 0) {
      if (result[0] === 0n) break;
      // struct passwd: name, passwd (pointers), uid, gid (u32), gecos, dir, shell (pointers).
      const view = new DataView(pwd.buffer);
      out.push([
        text(view, 0),
        view.getUint32(16, true),
        view.getUint32(20, true),
        text(view, 24),
        text(view, 32),
        text(view, 40),
      ]);
    }
  } finally {
    lib.symbols.fclose(file);
    lib.close();
  }
  return out;
}

Deno.test("parsePasswd: the malformed fixture reads as glibc's fgetpwent_r reads it", () => {
  assertEquals(entries(Deno.readTextFileSync(PASSWD)), EXPECTED);
});

if (Deno.build.os !== "linux") console.warn("passwd_glibc_test: the glibc comparison is skipped: not Linux");

Deno.test({
  name: "parsePasswd: agrees with this host's glibc on the malformed fixture",
  ignore: Deno.build.os !== "linux",
  fn() {
    const host = glibcEntries(PASSWD);
    if (host === undefined) {
      console.warn("no libc.so.6 (not glibc): compared with the recorded glibc 2.36 reading only");
      return;
    }
    assertEquals(entries(Deno.readTextFileSync(PASSWD)), host);
  },
});

Deno.test("users: a uid over 32 bits skips the line, leading blanks are stripped, NIS lines are rows", () => {
  const e = tableEngine([usersTable], fixtureHost(testdata("users", "malformed")));
  // osquery (fgetpwent_r) skips 99999999999 instead of wrapping it to 1215752191.
  assertEquals(e.query("select uid from users where username = 'big'"), []);
  assertEquals(e.query("select count(*) as n from users where uid = 1215752191"), [{ n: 0 }]);
  assertEquals(e.query("select uid from users where username = 'spaced'"), [{ uid: 1001 }]);
  assertEquals(
    e.query(
      "select username, uid, gid, description, directory, shell from users where substr(username, 1, 1) in ('+', '-')",
    ),
    [
      { username: "+", uid: 0, gid: 0, description: "", directory: "", shell: "" },
      { username: "+nisuser", uid: 0, gid: 0, description: "", directory: "", shell: "" },
      { username: "-baduser", uid: 0, gid: 0, description: "", directory: "", shell: "" },
      { username: "+@netgroup", uid: 77, gid: 88, description: "netgroup", directory: "/n", shell: "/bin/sh" },
      { username: "-@blocked", uid: 0, gid: 0, description: "", directory: "", shell: "" },
    ],
  );
});
