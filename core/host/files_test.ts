import { assertEquals } from "../../testing/assert.ts";
import { flags } from "../flags/flags.ts";
import {
  exists,
  isDirectory,
  isFile,
  joinPath,
  listDir,
  listFiles,
  readBytes,
  readLink,
  readProcText,
  readText,
  underRoot,
} from "./files.ts";

/** Runs `body` with a fresh directory, removed afterwards. */
function withDir(body: (dir: string) => void): void {
  const dir = Deno.makeTempDirSync({ prefix: "osq_host_files_" });
  try {
    body(dir);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test("readText: a missing file, a directory and a file over --read_max read as undefined", () => {
  withDir((dir) => {
    Deno.writeTextFileSync(`${dir}/four`, "abcd");
    assertEquals(readText(`${dir}/missing`), undefined);
    assertEquals(readText(dir), undefined);
    assertEquals(readText(`${dir}/four`), "abcd");
    const before = flags.get("read_max");
    flags.set("read_max", 3);
    try {
      assertEquals(readText(`${dir}/four`), undefined);
      assertEquals(readBytes(`${dir}/four`), undefined);
    } finally {
      flags.set("read_max", before);
    }
  });
});

Deno.test("readText: a FIFO or a device reads as undefined without blocking", () => {
  withDir((dir) => {
    const made = new Deno.Command("mkfifo", { args: [`${dir}/fifo`] }).outputSync();
    if (!made.success) throw new Error(`mkfifo failed: ${new TextDecoder().decode(made.stderr)}`);
    assertEquals(readText(`${dir}/fifo`), undefined);
    assertEquals(readBytes("/dev/zero"), undefined);
  });
});

Deno.test("readBytes: a file larger than the read buffer is read whole, and each result is the caller's copy", () => {
  withDir((dir) => {
    const big = new Uint8Array(3 * 65536 + 7).map((_, i) => i % 251);
    Deno.writeFileSync(`${dir}/big`, big);
    Deno.writeFileSync(`${dir}/small`, new Uint8Array([1, 2, 3]));
    const first = readBytes(`${dir}/big`);
    assertEquals(first, big);
    readBytes(`${dir}/small`);
    assertEquals(first, big);
  });
});

Deno.test("readText: procfs files (size 0) are read whole", () => {
  assertEquals(readText("/proc/self/stat")?.startsWith(`${Deno.pid} (`), true);
});

Deno.test("readText: invalid UTF-8 is replaced and a byte order mark kept, as the bytes are", () => {
  withDir((dir) => {
    Deno.writeFileSync(`${dir}/bom`, new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0x69, 0xff]));
    assertEquals(readText(`${dir}/bom`), "\ufeffhi\ufffd");
  });
});

Deno.test("readProcText: reads procfs files whole; a missing or denied file is undefined", () => {
  assertEquals(readProcText("/proc/self/stat")?.startsWith(`${Deno.pid} (`), true);
  assertEquals(readProcText("/proc/self/cmdline"), readText("/proc/self/cmdline"));
  assertEquals(readProcText("/proc/0/stat"), undefined);
  assertEquals(readProcText("/proc/self"), undefined); // a directory
});

Deno.test("readProcText: decodes as readText and keeps --read_max, counted in bytes", () => {
  withDir((dir) => {
    Deno.writeFileSync(`${dir}/bom`, new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0x69, 0xff]));
    assertEquals(readProcText(`${dir}/bom`), "\ufeffhi\ufffd");
    // Three characters, six bytes: over a limit of 5 although the text is 3 units long.
    Deno.writeTextFileSync(`${dir}/wide`, "\u00e9\u00e9\u00e9");
    const before = flags.get("read_max");
    try {
      flags.set("read_max", 6);
      assertEquals(readProcText(`${dir}/wide`), "\u00e9\u00e9\u00e9");
      flags.set("read_max", 5);
      assertEquals(readProcText(`${dir}/wide`), undefined);
    } finally {
      flags.set("read_max", before);
    }
  });
});

Deno.test("readProcText: answers alike before and after it hands over to the libc reads", () => {
  withDir((dir) => {
    Deno.writeFileSync(`${dir}/bom`, new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0x69, 0xff]));
    // Past PROC_DENO_READS (1024) calls, whatever the other tests read.
    for (let i = 0; i < 1100; i++) {
      assertEquals(readProcText(`${dir}/bom`), "\ufeffhi\ufffd");
      assertEquals(readProcText(`${dir}/missing`), undefined);
    }
    assertEquals(readProcText("/proc/self/cmdline"), readText("/proc/self/cmdline"));
  });
});

Deno.test("listDir: entries sorted in C-locale order; a missing directory lists nothing", () => {
  withDir((dir) => {
    for (const name of ["b", "B", "a", ".hidden"]) Deno.writeTextFileSync(`${dir}/${name}`, "");
    Deno.mkdirSync(`${dir}/sub`);
    assertEquals(listDir(dir).map((e) => e.name), [".hidden", "B", "a", "b", "sub"]);
    assertEquals(listDir(`${dir}/missing`), []);
  });
});

Deno.test("listFiles: full paths of non-directories, without dot-files, symlinks to directories left out", () => {
  withDir((dir) => {
    for (const name of ["b", "a", ".hidden"]) Deno.writeTextFileSync(`${dir}/${name}`, "");
    Deno.mkdirSync(`${dir}/sub`);
    Deno.symlinkSync(`${dir}/sub`, `${dir}/to_sub`);
    Deno.symlinkSync(`${dir}/a`, `${dir}/to_a`);
    assertEquals(listFiles(dir), [`${dir}/a`, `${dir}/b`, `${dir}/to_a`]);
    assertEquals(listFiles(`${dir}/a`), []);
  });
});

Deno.test("joinPath and underRoot put one slash between parts", () => {
  assertEquals(joinPath("/home/alice", ".ssh"), "/home/alice/.ssh");
  assertEquals(joinPath("/", "etc"), "/etc");
  assertEquals(joinPath("", "etc"), "etc");
  assertEquals(underRoot("", "/etc/passwd"), "/etc/passwd");
  assertEquals(underRoot("/fixture/", "/etc/passwd"), "/fixture/etc/passwd");
  assertEquals(underRoot("/proc/7/root", "etc/passwd"), "/proc/7/root/etc/passwd");
});

Deno.test("readLink and exists: a link's target, a dangling link does not exist, a non-link has no target", () => {
  withDir((dir) => {
    Deno.writeTextFileSync(`${dir}/file`, "");
    Deno.symlinkSync(`${dir}/file`, `${dir}/link`);
    Deno.symlinkSync(`${dir}/gone`, `${dir}/dangling`);
    assertEquals(readLink(`${dir}/link`), `${dir}/file`);
    assertEquals(readLink(`${dir}/dangling`), `${dir}/gone`);
    assertEquals(readLink(`${dir}/file`), undefined);
    assertEquals(exists(`${dir}/link`), true);
    assertEquals(exists(`${dir}/dangling`), false);
    assertEquals(exists(`${dir}/missing`), false);
  });
});

Deno.test("isDirectory and isFile: follow symlinks; a FIFO, a dangling link or a missing path is neither", () => {
  withDir((dir) => {
    Deno.writeTextFileSync(`${dir}/file`, "x");
    Deno.mkdirSync(`${dir}/sub`);
    Deno.symlinkSync(`${dir}/file`, `${dir}/to_file`);
    Deno.symlinkSync(`${dir}/sub`, `${dir}/to_sub`);
    Deno.symlinkSync(`${dir}/gone`, `${dir}/dangling`);
    const made = new Deno.Command("mkfifo", { args: [`${dir}/fifo`] }).outputSync();
    if (!made.success) throw new Error(`mkfifo failed: ${new TextDecoder().decode(made.stderr)}`);
    const kinds = (path: string) => [isDirectory(path), isFile(path)];
    assertEquals(kinds(`${dir}/file`), [false, true]);
    assertEquals(kinds(`${dir}/to_file`), [false, true]);
    assertEquals(kinds(`${dir}/sub`), [true, false]);
    assertEquals(kinds(`${dir}/to_sub`), [true, false]);
    for (const neither of ["fifo", "dangling", "missing", "file\0sub"]) {
      assertEquals(kinds(`${dir}/${neither}`), [false, false], neither);
    }
    assertEquals(kinds("/dev/null"), [false, false]);
  });
});

Deno.test("files: a path with a NUL byte names no file (C would read the shorter path before it)", () => {
  assertEquals(readText("/etc/hostname\0x"), undefined);
  assertEquals(readBytes("/etc/hostname\0x"), undefined);
  assertEquals(exists("/etc\0/x"), false);
  assertEquals(readLink("/proc/self/exe\0"), undefined);
});
