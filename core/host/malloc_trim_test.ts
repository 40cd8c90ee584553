import { assertEquals } from "../../testing/assert.ts";
import { trimMalloc } from "./malloc_trim.ts";

Deno.test("trimMalloc: glibc's malloc_trim runs on Linux with glibc, and nothing happens elsewhere", () => {
  // This host's C library is glibc when its libc.so.6 can be opened (musl has no such file).
  let glibc = false;
  try {
    Deno.dlopen("libc.so.6", {}).close();
    glibc = Deno.build.os === "linux";
  } catch {
    glibc = false;
  }
  assertEquals(trimMalloc(), glibc);
  assertEquals(trimMalloc(), glibc, "a second call answers the same");
});
