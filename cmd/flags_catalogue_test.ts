/**
 * Every face accepts every flag osquery 5.23 defines (the list generated from osquery's source in
 * testdata/reference/osquery_flags.json), the way deployments pass them: in a flagfile.
 */
import { assert, assertEquals, assertMatch } from "../testing/assert.ts";
import { OSQUERY_VERSION } from "../core/runtime/version.ts";

const ROOT = new URL("..", import.meta.url).pathname;

interface ReferenceFlag {
  name: string;
  type: string;
  default: string | number | boolean | null;
}

const reference = JSON.parse(
  Deno.readTextFileSync(new URL("../testdata/reference/osquery_flags.json", import.meta.url)),
) as { flags: ReferenceFlag[] };

async function osq(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(`${ROOT}/osq`, { args, stdout: "piped", stderr: "piped", stdin: "null" })
    .output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

/** A flagfile setting every osquery flag to its default, with the places a run writes moved to `dir`. */
function everyFlagFile(dir: string): string {
  const overrides: Record<string, string> = {
    database_path: `${dir}/osquery.db`,
    pidfile: `${dir}/osqueryd.pidfile`,
    logger_path: dir,
    extensions_socket: `${dir}/osquery.em`,
    config_path: `${dir}/osquery.conf`,
    disable_extensions: "true",
  };
  // Setting either explicitly (even to "") switches table filtering on, in osquery as here.
  const skip = new Set(["disable_tables", "enable_tables"]);
  const lines = reference.flags.filter((f) => !skip.has(f.name)).map((f) =>
    `--${f.name}=${overrides[f.name] ?? String(f.default ?? "")}`
  );
  const path = `${dir}/every.flags`;
  Deno.writeTextFileSync(path, lines.join("\n") + "\n");
  Deno.writeTextFileSync(`${dir}/osquery.conf`, JSON.stringify({ schedule: {} }));
  return path;
}

Deno.test("flags catalogue: the shell accepts every osquery flag from a flagfile and still runs SQL", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const r = await osq(["shell", `--flagfile=${everyFlagFile(dir)}`, "--json", "select 1 as a"]);
    assertEquals(r.code, 0, r.stderr);
    assertEquals(JSON.parse(r.stdout), [{ a: "1" }]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("flags catalogue: the daemon accepts every osquery flag from a flagfile (--config_check)", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const r = await osq(["daemon", `--flagfile=${everyFlagFile(dir)}`, "--config_check"]);
    assertEquals(r.code, 0, r.stderr);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("flags catalogue: osqueryd's flags in the shell, --utc, and a typo still named", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const shared = [
      `--pidfile=${dir}/pid`,
      "--disable_database=true",
      "--disable_extensions=true",
      "--disable_logging=true",
      "--force=true",
      "--watchdog_level=3",
      "--utc",
      "--tls_hostname=fleet.example:8080",
    ];
    const ok = await osq(["shell", ...shared, "--json", "select 2 as b"]);
    assertEquals(ok.code, 0, ok.stderr);
    assertEquals(JSON.parse(ok.stdout), [{ b: "2" }]);
    const typo = await osq(["daemon", "--uttc", `--pidfile=${dir}/pid`]);
    assertEquals(typo.code, 1);
    assertMatch(typo.stderr, /Unknown flag --uttc: did you mean --utc\?/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("flags catalogue: --version on every face", async () => {
  const shell = await osq(["shell", "--version"]);
  assertEquals([shell.code, shell.stdout], [0, `osqueryi version ${OSQUERY_VERSION}\n`]);
  const daemon = await osq(["daemon", "--version"]);
  assertEquals([daemon.code, daemon.stdout], [0, `osqueryd version ${OSQUERY_VERSION}\n`]);
  const extension = await osq(["extension", "--version"]);
  assertEquals([extension.code, extension.stdout], [0, `osq extension version ${OSQUERY_VERSION} (osquery SDK)\n`]);
  const pack = await osq(["pack", "--version"]);
  assertEquals([pack.code, pack.stdout], [0, `osq pack version ${OSQUERY_VERSION}\n`]);
});

Deno.test("flags catalogue: --help marks the osquery flags osq accepts but ignores", async () => {
  const r = await osq(["daemon", "--help"]);
  assertEquals(r.code, 0);
  assertMatch(r.stdout, /--tls_session_reuse\s+osquery flag osq accepts and ignores/);
  assert(!/--utc\b.*ignores/.test(r.stdout), "--utc is a no-op in osquery too, not an ignored flag");
});
