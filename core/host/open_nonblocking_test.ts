import { assertEquals, assertThrows } from "../../testing/assert.ts";
import { libc, S_IFIFO, S_IFMT, S_IFREG } from "./libc.ts";
import { openNonBlocking } from "./open_nonblocking.ts";

Deno.test("openNonBlocking: a regular file's type and size come from the opened descriptor", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/f`, "12345");
    const c = libc();
    const { fd, mode, size } = openNonBlocking(c, `${dir}/f`);
    c.close(fd);
    assertEquals([mode & S_IFMT, size], [S_IFREG, 5]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("openNonBlocking: a FIFO with no writer opens at once; a missing file is NotFound naming it", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const made = new Deno.Command("mkfifo", { args: [`${dir}/fifo`] }).outputSync();
    assertEquals(made.success, true, "mkfifo");
    const c = libc();
    const { fd, mode } = openNonBlocking(c, `${dir}/fifo`);
    c.close(fd);
    assertEquals(mode & S_IFMT, S_IFIFO);
    assertThrows(() => openNonBlocking(c, `${dir}/missing`), Deno.errors.NotFound, `${dir}/missing`);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
