import { assertEquals } from "../../testing/assert.ts";
import { openStore } from "./store.ts";

const mode = (path: string) => (Deno.statSync(path).mode ?? 0) & 0o777;

Deno.test("kv: a new database is private: directory 0700, database, -wal and -shm 0600", async () => {
  const root = Deno.makeTempDirSync();
  try {
    const path = `${root}/state/osquery.db`;
    const store = await openStore(path);
    await store.set(["meta", "x"], 1);
    assertEquals(mode(`${root}/state`).toString(8), "700");
    for (const f of ["", "-wal", "-shm"]) assertEquals(mode(path + f).toString(8), "600", `osquery.db${f}`);
    store.close();
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("kv: an existing world-readable database and its directory are tightened on open", async () => {
  const root = Deno.makeTempDirSync();
  try {
    const dir = `${root}/state`;
    const path = `${dir}/osquery.db`;
    const first = await openStore(path);
    await first.set(["meta", "x"], 1);
    first.close();
    Deno.chmodSync(dir, 0o755);
    for (const f of ["", "-wal", "-shm"]) {
      try {
        Deno.chmodSync(path + f, 0o644);
      } catch {
        // SQLite removed it at close
      }
    }
    Deno.writeFileSync(`${path}.lock`, new Uint8Array(), { mode: 0o644 });
    Deno.chmodSync(`${path}.lock`, 0o644);
    const again = await openStore(path);
    await again.set(["meta", "x"], 2);
    assertEquals(mode(dir).toString(8), "700");
    for (const f of ["", "-wal", "-shm", ".lock"]) assertEquals(mode(path + f).toString(8), "600", `osquery.db${f}`);
    again.close();
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("kv: a shared directory (other files in it) keeps its mode; the database files are still 0600", async () => {
  const root = Deno.makeTempDirSync();
  try {
    Deno.chmodSync(root, 0o755);
    Deno.writeTextFileSync(`${root}/someone-elses-file`, "");
    const store = await openStore(`${root}/osquery.db`);
    await store.set(["meta", "x"], 1);
    assertEquals(mode(root).toString(8), "755");
    assertEquals(mode(`${root}/osquery.db`).toString(8), "600");
    store.close();
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
