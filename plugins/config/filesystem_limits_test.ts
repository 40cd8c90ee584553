import { assert, assertEquals } from "../../testing/assert.ts";
import { resolvePack } from "./filesystem.ts";

Deno.test("pack globs read at most 1000 files and say so; devices among them are skipped, not read", () => {
  const dir = Deno.makeTempDirSync();
  try {
    for (let i = 0; i < 1005; i++) {
      Deno.writeTextFileSync(`${dir}/p${String(i).padStart(4, "0")}.conf`, '{"queries":{}}');
    }
    const packs = resolvePack("*", `${dir}/*`);
    const read = packs.filter((p) => p.skipped === undefined);
    assertEquals(read.length, 1000);
    const note = packs.find((p) => p.skipped !== undefined);
    assert(note?.skipped?.includes("matches more than 1000 files"), JSON.stringify(note));
    const devices = resolvePack("*", "/dev/zer*");
    assertEquals(devices.map((p) => [p.path, p.text]), [["/dev/zero", ""]]);
    assert(devices[0].skipped?.includes("not a regular file"));
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
