import {
  AF_INET,
  AF_INET6,
  decodeAddress,
  descriptors,
  fields,
  formatIpv6,
  listPids,
  nameFromComm,
  namespaceInode,
  onDisk,
  openSockets,
  parseCgroup,
  parseCmdline,
  parseEnviron,
  parseInetSockets,
  parseIo,
  parseLimits,
  parseMaps,
  parseNamespaceLink,
  parsePacketSockets,
  parseStat,
  parseStatus,
  parseUnixSockets,
  pidsToScan,
  readLink,
  readText,
  selectPids,
} from "./_lib.ts";
import { OP, QueryContext } from "../../core/table.ts";
import { assert, assertEquals } from "../../testing/assert.ts";

const FIXTURE = new URL("../../testdata/processes/proc", import.meta.url).pathname;

Deno.test("_lib: listPids returns numeric directories only, ascending", () => {
  assertEquals(listPids(FIXTURE), [1, 42, 77, 78, 79, 80]);
  assertEquals(listPids(FIXTURE + "/missing"), []);
});

Deno.test("_lib: selectPids keeps constrained pids that exist and drops junk", () => {
  assertEquals(selectPids([42, 1, 42, 999, -3, 0], FIXTURE), [1, 42]);
  assertEquals(selectPids(["80", "x", "1.5"], FIXTURE), [80]);
  assertEquals(selectPids([], FIXTURE), []);
});

Deno.test("_lib: pidsToScan lists every pid without a constraint and none for junk values", () => {
  const ctx = (value?: string | number) =>
    new QueryContext("t", value === undefined ? new Map() : new Map([["pid", [{ op: OP.EQUALS, value }]]]));
  assertEquals(pidsToScan(ctx(), FIXTURE), [1, 42, 77, 78, 79, 80]);
  assertEquals(pidsToScan(ctx("abc"), FIXTURE), []);
  assertEquals(pidsToScan(ctx("42"), FIXTURE), [42]);
});

Deno.test("_lib: onDisk tells a running binary named '... (deleted)' from a deleted one by inode", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const exe = `${dir}/tool (deleted)`;
    Deno.writeTextFileSync(exe, "");
    const ino = Deno.statSync(exe).ino;
    Deno.writeTextFileSync(`${dir}/maps-same`, `00400000-00401000 r-xp 00000000 08:02 ${ino}   ${exe}\n`);
    Deno.writeTextFileSync(`${dir}/maps-other`, `00400000-00401000 r-xp 00000000 08:02 1   ${exe}\n`);
    assertEquals(onDisk(exe, `${dir}/maps-same`), { path: exe, onDisk: 1 });
    assertEquals(onDisk(exe, `${dir}/maps-other`), { path: `${dir}/tool`, onDisk: 0 });
    assertEquals(onDisk(exe, `${dir}/no-maps`), { path: exe, onDisk: -1 });
    assertEquals(onDisk(`${dir}/gone (deleted)`, `${dir}/maps-same`), { path: `${dir}/gone`, onDisk: 0 });
    assertEquals(onDisk(`${dir}/maps-same`, ""), { path: `${dir}/maps-same`, onDisk: 1 });
    assertEquals(onDisk("", ""), { path: "", onDisk: -1 });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("_lib: readText and readLink answer undefined for missing files instead of throwing", () => {
  assertEquals(readText(FIXTURE + "/1/nope"), undefined);
  assertEquals(readText(FIXTURE + "/1"), undefined); // a directory
  assertEquals(readLink(FIXTURE + "/1/stat"), undefined); // not a link
  assertEquals(readLink(FIXTURE + "/1/fd/1"), "pipe:[5001]");
});

Deno.test("_lib: readText reads files larger than its initial buffer", () => {
  const path = Deno.makeTempFileSync();
  try {
    const big = "x".repeat(200_000) + "end";
    Deno.writeTextFileSync(path, big);
    assertEquals(readText(path), big);
  } finally {
    Deno.removeSync(path);
  }
});

Deno.test("_lib: parseStat handles names with spaces and parentheses", () => {
  const stat = parseStat(Deno.readTextFileSync(FIXTURE + "/42/stat"));
  assert(stat);
  assertEquals(stat.comm, "my (weird) proc");
  assertEquals([stat.state, stat.parent, stat.pgroup, stat.nice, stat.threads], ["R", 1, 42, -5, 2]);
  assertEquals([stat.utime, stat.stime, stat.starttime], [7, 3, 1000]);
});

Deno.test("_lib: parseStat rejects truncated and malformed content", () => {
  assertEquals(parseStat("77 (trunc) S 1 77"), undefined);
  assertEquals(parseStat(""), undefined);
  assertEquals(parseStat("1 (x"), undefined);
  assertEquals(parseStat("1 (x) S a b c d e f g h i j k l m n o p q r s t u v"), undefined);
});

Deno.test("_lib: nameFromComm escapes as /proc/<pid>/status does", () => {
  assertEquals(nameFromComm("a\\b"), "a\\\\b");
  assertEquals(nameFromComm("a\nb"), "a\\nb");
  assertEquals(nameFromComm(" sp "), "sp");
});

Deno.test("_lib: parseStatus reads ids and memory in bytes, and rejects malformed memory", () => {
  const s = parseStatus(Deno.readTextFileSync(FIXTURE + "/42/status"));
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

Deno.test("_lib: parseIo nets cancelled writes out of written bytes", () => {
  assertEquals(parseIo("read_bytes: 10\nwrite_bytes: 100\ncancelled_write_bytes: 40\n"), {
    readBytes: 10,
    writtenBytes: 60,
  });
  assertEquals(parseIo("junk\n"), { readBytes: undefined, writtenBytes: 0 });
});

Deno.test("_lib: parseCgroup takes the first line's path", () => {
  assertEquals(parseCgroup("0::/user.slice/session-1.scope\n"), "/user.slice/session-1.scope");
  assertEquals(parseCgroup("12:cpu,cpuacct:/a:b\n11:memory:/c\n"), "/a:b");
  assertEquals(parseCgroup("nothing\n1:x:/y\n"), "");
  assertEquals(parseCgroup(""), "");
});

Deno.test("_lib: parseCmdline joins arguments with spaces and trims", () => {
  assertEquals(parseCmdline("/bin/sh\0-c\0echo hi\0"), "/bin/sh -c echo hi");
  assertEquals(parseCmdline(""), "");
});

Deno.test("_lib: parseEnviron splits at the first '=' and stops at an empty entry", () => {
  assertEquals(parseEnviron(Deno.readTextFileSync(FIXTURE + "/1/environ")), [
    ["HOME", "/"],
    ["PATH", "/usr/bin:/bin"],
    ["EMPTY", ""],
    ["NOEQUALS", "NOEQUALS"], // osquery: key and value are the whole entry
    ["EQ", "a=b"],
  ]);
  assertEquals(parseEnviron(""), []);
  assertEquals(parseEnviron("A=1"), [["A", "1"]]); // no trailing NUL (truncated read)
});

Deno.test("_lib: parseMaps keeps paths with spaces and skips malformed lines", () => {
  const maps = parseMaps(Deno.readTextFileSync(FIXTURE + "/1/maps"));
  assertEquals(maps.length, 5); // "garbage line", an address without '-', and a 4-field line are skipped
  assertEquals(maps[0], {
    start: "00400000",
    end: "00452000",
    permissions: "r-xp",
    offset: 0,
    device: "08:02",
    inode: 173521,
    path: "/usr/bin/dbus-daemon",
  });
  assertEquals(maps[1].offset, 0x51000);
  assertEquals(maps[2].path, "[heap]");
  assertEquals(maps[3].path, "");
  assertEquals(maps[4].path, "/opt/app/lib with space.so");
});

Deno.test("_lib: namespace links parse only in kind:[inode] form", () => {
  assertEquals(parseNamespaceLink("net:[4026531992]", "net"), "4026531992");
  assertEquals(parseNamespaceLink("net:[4026531838]", "uts"), undefined);
  assertEquals(parseNamespaceLink("ipc:[0]", "ipc"), undefined);
  assertEquals(parseNamespaceLink("cgroup:[4026531835", "cgroup"), undefined);
  assertEquals(parseNamespaceLink("garbage", "mnt"), undefined);
  assertEquals(namespaceInode(1, "pid", FIXTURE), "4026531836");
  assertEquals(namespaceInode(1, "mnt", FIXTURE), undefined);
});

Deno.test("_lib: descriptors lists fd links ascending by number", () => {
  assertEquals(descriptors(42, FIXTURE), [[0, "pipe:[5001]"], [1, "socket:[7002]"], [7, "pipe:[5002]"]]);
  assertEquals(descriptors(79, FIXTURE), []);
});

Deno.test("_lib: parseLimits maps labels to osquery's names, sorted, skipping unknown and broken lines", () => {
  const limits = parseLimits(Deno.readTextFileSync(FIXTURE + "/self/limits"));
  assertEquals(limits.map((l) => l.type), [
    "as",
    "core",
    "cpu",
    "data",
    "fsize",
    "locks",
    "memlock",
    "msgqueue",
    "nice",
    "nofile",
    "nproc",
    "rss",
    "rtprio",
    "sigpending",
    "stack",
  ]);
  assertEquals(limits.find((l) => l.type === "nofile"), { type: "nofile", soft: "1024", hard: "524288" });
  assertEquals(limits.find((l) => l.type === "stack"), { type: "stack", soft: "8388608", hard: "unlimited" });
  assertEquals(parseLimits("garbage\n\n"), []);
});

Deno.test("_lib: IPv4 addresses decode from host-order hex", () => {
  assertEquals(decodeAddress("0100007F", AF_INET), "127.0.0.1");
  assertEquals(decodeAddress("00000000", AF_INET), "0.0.0.0");
  assertEquals(decodeAddress("0100007", AF_INET), "");
  assertEquals(decodeAddress("0100007G", AF_INET), "");
});

Deno.test("_lib: IPv6 addresses print as inet_ntop does", () => {
  assertEquals(decodeAddress("00000000000000000000000000000000", AF_INET6), "::");
  assertEquals(decodeAddress("00000000000000000000000001000000", AF_INET6), "::1");
  assertEquals(decodeAddress("0000000000000000FFFF00000100007F", AF_INET6), "::ffff:127.0.0.1");
  assertEquals(decodeAddress("000080FE00000000FF005450B6AD1DFE", AF_INET6), "fe80::5054:ff:fe1d:adb6");
  assertEquals(decodeAddress("short", AF_INET6), "");
  const b = (words: number[]) => words.flatMap((w) => [w >> 8, w & 0xff]);
  assertEquals(formatIpv6(b([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1])), "2001:db8::1:0:0:1"); // first longest run
  assertEquals(formatIpv6(b([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1])), "2001:db8:0:1:1:1:1:1"); // one zero stays
  assertEquals(formatIpv6(b([0, 0, 0, 0, 0, 0, 0x0a00, 1])), "::10.0.0.1"); // IPv4-compatible
  assertEquals(formatIpv6(b([1, 0, 0, 0, 0, 0, 0, 0])), "1::");
});

Deno.test("_lib: inet socket tables parse, with malformed lines skipped and a bad header rejecting the file", () => {
  const tcp = parseInetSockets(Deno.readTextFileSync(FIXTURE + "/1/net/tcp"), AF_INET, 6, "9");
  assertEquals(tcp.map((s) => s.inode), ["7001", "7002", "7004"]);
  assertEquals(tcp[1], {
    inode: "7002",
    family: AF_INET,
    protocol: 6,
    localAddress: "10.0.2.15",
    localPort: 22,
    remoteAddress: "192.168.0.100",
    remotePort: 54321,
    path: "",
    state: "ESTABLISHED",
    netns: "9",
  });
  assertEquals(tcp[2].state, "UNKNOWN");
  const udp = parseInetSockets(Deno.readTextFileSync(FIXTURE + "/1/net/udp"), AF_INET, 17, "9");
  assertEquals(udp.map((s) => [s.localAddress, s.localPort, s.state]), [["127.0.0.53", 53, ""]]);
  assertEquals(parseInetSockets(Deno.readTextFileSync(FIXTURE + "/1/net/udp6"), AF_INET6, 17, "9"), []);
  assertEquals(parseInetSockets("", AF_INET, 6, "9"), []);
});

Deno.test("_lib: unix and packet socket tables parse, keeping paths with spaces", () => {
  const unix = parseUnixSockets(Deno.readTextFileSync(FIXTURE + "/1/net/unix"), "9");
  assertEquals(unix.map((s) => [s.inode, s.path]), [
    ["7040", "/run/dbus/system_bus_socket"],
    ["7041", "/tmp/path with spaces.sock"],
    ["7042", ""],
    ["7043", "@abstract"],
  ]);
  assertEquals(parseUnixSockets("not a header\n0: 1 2 3 4 5 6 /x\n", "9"), []);
  const packet = parsePacketSockets(Deno.readTextFileSync(FIXTURE + "/1/net/packet"), "9");
  assertEquals(packet.map((s) => [s.inode, s.family, s.protocol, s.state]), [["7050", 17, 3, "NONE"]]);
});

Deno.test("_lib: openSockets matches inodes to holders, once per namespace", () => {
  const all = openSockets(undefined, FIXTURE);
  // Pid 42 shares pid 1's namespace: its view is not read twice.
  assertEquals(new Set(all.map((s) => s.inode)).size, all.length);
  const ssh = all.find((s) => s.inode === "7002");
  assertEquals([ssh?.pid, ssh?.fd], [42, 1]);
  assertEquals(all.find((s) => s.inode === "7011")?.pid, -1);
  const only42 = openSockets([42], FIXTURE);
  assertEquals(only42.map((s) => [s.inode, s.pid, s.fd]), [["7002", 42, 1]]);
  assertEquals(openSockets([80], FIXTURE), []); // holds no sockets
});

Deno.test("_lib: fields splits on runs of blanks", () => {
  assertEquals(fields("  a \t b  c "), ["a", "b", "c"]);
  assertEquals(fields(""), []);
});
