import { bootTime, nameFromComm, parseCgroup, parseCmdline, parseEnviron, parseIo, parseStatus } from "./_proc.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import { testdata } from "../../testing/table_engine.ts";

const PROC = testdata("processes", "proc");

Deno.test("_proc: nameFromComm escapes as /proc/<pid>/status does", () => {
  assertEquals(nameFromComm("a\\b"), "a\\\\b");
  assertEquals(nameFromComm("a\nb"), "a\\nb");
  assertEquals(nameFromComm(" sp "), "sp");
});

Deno.test("_proc: parseStatus reads ids and memory in bytes, and rejects malformed memory", () => {
  const s = parseStatus(Deno.readTextFileSync(PROC + "/42/status"));
  assert(s);
  assertEquals(s, {
    name: "my (weird) proc",
    uid: 1000,
    euid: 1001,
    suid: 1002,
    gid: 100,
    egid: 101,
    sgid: 102,
    totalSize: 0,
    residentSize: 0,
  });
  assertEquals(parseStatus("Name:\tx\nVmRSS:\tabc kB\n"), undefined);
  assertEquals(parseStatus("Name:\tx\nVmSize:\t12\n"), undefined);
  const kernel = parseStatus("Name:\tkthreadd\nUid:\t0\t0\t0\t0\n");
  assertEquals(kernel?.residentSize, undefined);
  assertEquals(parseStatus("Uid:\t1\t2\n")?.uid, undefined); // too few ids
  assertEquals(parseStatus("")!.name, undefined);
});

Deno.test("_proc: parseIo nets cancelled writes out of written bytes", () => {
  assertEquals(parseIo("read_bytes: 10\nwrite_bytes: 100\ncancelled_write_bytes: 40\n"), {
    readBytes: 10,
    writtenBytes: 60,
  });
  assertEquals(parseIo("junk\n"), { readBytes: undefined, writtenBytes: 0 });
});

Deno.test("_proc: parseCgroup takes the first line's path", () => {
  assertEquals(parseCgroup("0::/user.slice/session-1.scope\n"), "/user.slice/session-1.scope");
  assertEquals(parseCgroup("12:cpu,cpuacct:/a:b\n11:memory:/c\n"), "/a:b");
  assertEquals(parseCgroup("nothing\n1:x:/y\n"), "");
  assertEquals(parseCgroup(""), "");
});

Deno.test("_proc: parseCmdline joins arguments with spaces and trims", () => {
  assertEquals(parseCmdline("/bin/sh\0-c\0echo hi\0"), "/bin/sh -c echo hi");
  assertEquals(parseCmdline(""), "");
});

Deno.test("_proc: parseEnviron splits at the first '=' and stops at an empty entry", () => {
  assertEquals(parseEnviron(Deno.readTextFileSync(PROC + "/1/environ")), [
    ["HOME", "/"],
    ["PATH", "/usr/bin:/bin"],
    ["EMPTY", ""],
    ["NOEQUALS", "NOEQUALS"], // osquery: key and value are the whole entry
    ["EQ", "a=b"],
  ]);
  assertEquals(parseEnviron(""), []);
  assertEquals(parseEnviron("A=1"), [["A", "1"]]); // no trailing NUL (truncated read)
});

Deno.test("_proc: bootTime reads btime of <proc>/stat; 0 when there is none", () => {
  assertEquals(bootTime(PROC), 1700000000);
  assertEquals(bootTime(PROC + "/missing"), 0);
});
