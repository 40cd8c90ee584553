/**
 * auto_table_construction through the faces: an ATC table over a real SQLite file answers in the
 * shell and in the daemon's schedule, and --config_check and pack lint know it.
 */
import { daemonTest } from "../testing/test_daemon.ts";
import { Database } from "../core/sqlite/database.ts";
import { assertEquals, assertMatch } from "../testing/assert.ts";

const ROOT = new URL("..", import.meta.url).pathname;

function makeDb(path: string): void {
  const db = new Database(path);
  try {
    db.exec("CREATE TABLE access (service TEXT, client TEXT, allowed INTEGER)");
    db.exec("INSERT INTO access VALUES ('camera', 'com.example.app', 1), ('mic', 'com.example.app', 0)");
  } finally {
    db.close();
  }
}

function atcConfig(dbPath: string): Record<string, unknown> {
  return {
    auto_table_construction: {
      atc_access: {
        query: "SELECT service, client, allowed FROM access",
        path: dbPath,
        columns: ["service", "client", "allowed"],
        platform: "linux",
      },
    },
    schedule: { atc: { query: "SELECT service, allowed, path FROM atc_access WHERE allowed = '1'", interval: 1 } },
  };
}

async function osq(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(`${ROOT}osq`, { args, stdout: "piped", stderr: "piped", stdin: "null" }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

Deno.test("atc: the shell answers an ATC table of its --config_path; --config_check and lint accept it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    makeDb(`${dir}/tcc.db`);
    Deno.writeTextFileSync(`${dir}/osquery.conf`, JSON.stringify(atcConfig(`${dir}/tcc.db`)));
    const shell = await osq(["shell", `--config_path=${dir}/osquery.conf`, "--json", "SELECT * FROM atc_access"]);
    assertEquals(shell.code, 0, shell.stderr);
    assertEquals(JSON.parse(shell.stdout), [
      { service: "camera", client: "com.example.app", allowed: "1", path: `${dir}/tcc.db` },
      { service: "mic", client: "com.example.app", allowed: "0", path: `${dir}/tcc.db` },
    ]);
    const check = await osq(["daemon", "--config_check", `--config_path=${dir}/osquery.conf`]);
    assertEquals([check.code, check.stderr], [0, ""]);
    const lint = await osq(["pack", "lint", `${dir}/osquery.conf`]);
    assertEquals(lint.code, 0, lint.stdout);
    assertMatch(lint.stderr, /clean/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

daemonTest("atc: the daemon's schedule reads an ATC table over a SQLite file", async (d) => {
  makeDb(`${d.dir}/tcc.db`);
  d.writeConfig(atcConfig(`${d.dir}/tcc.db`));
  d.start(["--disable_watchdog"]);
  await d.waitFor("the ATC result", () => d.lines().some((l) => l.name === "atc"), 60);
  assertEquals(d.lines().find((l) => l.name === "atc")!.columns, {
    service: "camera",
    allowed: "1",
    path: `${d.dir}/tcc.db`,
  });
  assertEquals(/Unknown table "atc_access"/.test(d.text("osqueryd.INFO")), false);
});
