import { onDisk, parseMaps } from "./_maps.ts";
import { assertEquals } from "../../testing/assert.ts";
import { testdata } from "../../testing/table_engine.ts";

const PROC = testdata("processes", "proc");

Deno.test("_maps: onDisk tells a running binary named '... (deleted)' from a deleted one by inode", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const exe = `${dir}/tool (deleted)`;
    Deno.writeTextFileSync(exe, "");
    const ino = Deno.statSync(exe).ino;
    Deno.writeTextFileSync(`${dir}/maps-same`, `00400000-00401000 r-xp 00000000 08:02 ${ino}   ${exe}\n`);
    Deno.writeTextFileSync(`${dir}/maps-other`, `00400000-00401000 r-xp 00000000 08:02 1   ${exe}\n`);
    assertEquals(onDisk(exe, exe, `${dir}/maps-same`), { path: exe, onDisk: 1 });
    assertEquals(onDisk(exe, exe, `${dir}/maps-other`), { path: `${dir}/tool`, onDisk: 0 });
    assertEquals(onDisk(exe, exe, `${dir}/no-maps`), { path: exe, onDisk: -1 });
    const gone = `${dir}/gone (deleted)`;
    assertEquals(onDisk(gone, gone, `${dir}/maps-same`), { path: `${dir}/gone`, onDisk: 0 });
    assertEquals(onDisk(`${dir}/maps-same`, `${dir}/maps-same`, ""), { path: `${dir}/maps-same`, onDisk: 1 });
    assertEquals(onDisk("", "", ""), { path: "", onDisk: -1 });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("_maps: onDisk looks for the executable where the host's root puts it, reporting the host's path", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.mkdirSync(`${dir}/usr/bin`, { recursive: true });
    Deno.writeTextFileSync(`${dir}/usr/bin/tool`, "");
    assertEquals(onDisk("/usr/bin/tool", `${dir}/usr/bin/tool`, ""), { path: "/usr/bin/tool", onDisk: 1 });
    assertEquals(onDisk("/usr/bin/gone", `${dir}/usr/bin/gone`, ""), { path: "/usr/bin/gone", onDisk: 0 });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("_maps: parseMaps keeps paths with spaces and skips malformed lines", () => {
  const maps = parseMaps(Deno.readTextFileSync(PROC + "/1/maps"));
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
