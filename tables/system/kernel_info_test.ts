import { Engine } from "../../core/engine.ts";
import { assertEquals } from "../../testing/assert.ts";
import kernelInfo from "./kernel_info.ts";
import { fixture, generated } from "./system_test_helpers.ts";

Deno.test("kernel_info: BOOT_IMAGE and root= are lifted out of the arguments", () => {
  assertEquals(generated(kernelInfo, fixture("host_a")), [{
    path: "/boot/vmlinuz-6.1.0-13-amd64",
    device: "UUID=0b1c-22",
    arguments: "ro quiet splash",
    version: "6.1.0-13-amd64",
  }]);
});

Deno.test("kernel_info: a version file without 'version' leaves version empty", () => {
  assertEquals(generated(kernelInfo, fixture("broken")), [{ arguments: "Linux" }]);
  assertEquals(generated(kernelInfo, fixture("does-not-exist")), [{}]);
});

Deno.test("kernel_info: live version equals /proc/sys/kernel/osrelease", () => {
  const [row] = new Engine().query("SELECT version FROM kernel_info");
  assertEquals(row.version, Deno.readTextFileSync("/proc/sys/kernel/osrelease").trim());
});
