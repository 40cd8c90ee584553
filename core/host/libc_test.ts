import { assert, assertEquals, assertStringIncludes, assertThrows } from "../../testing/assert.ts";
import {
  cPath,
  errorMessage,
  libc,
  libcTiered,
  NetlinkSocketError,
  openNetlinkSocket,
  ReadableWaiter,
  readCString,
  setSocketTimeout,
  SO_RCVTIMEO,
  SOCK_DGRAM,
  SOCK_RAW,
  tryLibc,
} from "./libc.ts";

Deno.test("libc: loads once and is the same binding for every caller", () => {
  assert(tryLibc() !== undefined);
  assert(libc() === tryLibc());
  assertEquals(libc().getpid(), Deno.pid);
});

Deno.test("libc: C strings round-trip, NUL-terminated on the way in, cut at NUL on the way out", () => {
  const bytes = cPath("/tmp/é");
  assertEquals(bytes[bytes.length - 1], 0);
  assertEquals(readCString(bytes), "/tmp/é");
  assertEquals(readCString(new TextEncoder().encode("abc")), "abc");
});

Deno.test("libc: errno values read as strerror's text", () => {
  assertEquals(errorMessage(2), "No such file or directory");
});

Deno.test("libc: a netlink socket for an unknown protocol fails with strerror's reason naming the socket", () => {
  const err = assertThrows(() => openNetlinkSocket(31, SOCK_RAW, 0, "the test socket"), NetlinkSocketError);
  assert(err.message.startsWith("Cannot open the test socket: "), err.message);
});

Deno.test("libc: a uevent netlink socket opens, takes a receive timeout and closes", () => {
  const fd = openNetlinkSocket(15, SOCK_DGRAM, 0, "the uevent socket");
  try {
    setSocketTimeout(fd, SO_RCVTIMEO, 1500);
    const tv = new BigInt64Array(2);
    const length = new Uint32Array([16]);
    assertEquals(libc().getsockopt(fd, 1, SO_RCVTIMEO, new Uint8Array(tv.buffer), new Uint8Array(length.buffer)), 0);
    assertEquals([tv[0], tv[1]], [1n, 500_000n]);
  } finally {
    libc().close(fd);
  }
});

Deno.test("libc: cPath refuses text with a NUL byte instead of passing a shorter path to C", () => {
  const err = assertThrows(() => cPath("/etc/passwd\0.bak"), Deno.errors.NotFound);
  assertStringIncludes(err.message, "NUL");
  assertEquals([...cPath("/a")], [47, 97, 0]);
});

Deno.test("libcTiered: one two-tier function per symbol, answering as libc's own in both tiers", () => {
  const getpid = libcTiered("getpid");
  assert(getpid !== undefined);
  assert(libcTiered("getpid") === getpid);
  for (let i = 0; i < 200; i++) {
    assertEquals(getpid.compiled ? getpid.compiled() : getpid.address(), Deno.pid);
  }
  assert(getpid.compiled !== undefined);
  assertEquals(getpid.compiled(), Deno.pid);
});

Deno.test("ReadableWaiter: a wait with no limit ends when its descriptor is readable, and at once on wake()", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "osq-waiter-" });
  const c = libc();
  // An inotify descriptor: readable once a file appears in the watched directory.
  const fd = c.inotify_init1(0o4000 | 0o2000000);
  assert(fd >= 0);
  try {
    assert(c.inotify_add_watch(fd, cPath(dir), 0x100 /* IN_CREATE */) >= 0);
    const waiter = new ReadableWaiter(fd);
    // Woken: resolves false although nothing is readable and no timeout was given.
    const woken = waiter.wait();
    waiter.wake();
    assertEquals(await woken, false);
    // Readable: resolves true (the earlier wake-up was drained, so it does not end this wait).
    const readable = waiter.wait();
    Deno.writeTextFileSync(`${dir}/new`, "");
    assertEquals(await readable, true);
    // A timed wait with nothing new times out false.
    c.read(fd, new Uint8Array(4096), 4096n);
    assertEquals(await waiter.wait(20), false);
    waiter.close();
    assertEquals(await waiter.wait(), false, "a closed waiter does not wait");
  } finally {
    c.close(fd);
    Deno.removeSync(dir, { recursive: true });
  }
});
