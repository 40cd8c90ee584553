/**
 * The golden black-box harness: every folder under `testdata/cli/` is one case, run as a real
 * `./osq` process and compared byte for byte.
 *
 * A case folder `testdata/cli/<prefix>-<behaviour>/` holds:
 *
 * | file      | required | meaning                                                                  |
 * |-----------|----------|--------------------------------------------------------------------------|
 * | `args`    | yes      | JSON array of strings: the arguments after `./osq` (e.g. `["shell", "--json", "select 0"]`) |
 * | `stdin`   | no       | bytes fed to standard input; without it standard input is empty (not a terminal) |
 * | `stdout`  | yes      | expected standard output, exactly                                        |
 * | `stderr`  | no       | expected standard error, exactly; without it standard error is not compared |
 * | `status`  | yes      | expected exit status (a decimal number)                                  |
 * | `env`     | no       | JSON object of extra environment variables                               |
 * | `files/`  | no       | expected files the run must leave in its scratch folder, compared exactly |
 *
 * Placeholders, the only normalisation: in `args`, `env`, `stdin`, `stdout` and `stderr`,
 * `{{case}}` is the case folder's absolute path (for inputs such as `--flagfile {{case}}/flags`),
 * `{{tmp}}` the run's fresh scratch folder (also its `HOME`), `{{osquery_version}}` osquery's
 * version osq implements, `{{sqlite_version}}` the host SQLite's version. Nothing else is
 * rewritten: no trimming, no line-ending changes.
 *
 * Every run gets `HOME={{tmp}}`, `TERM=dumb`, and no `OSQ_ARGV0` (set it in `env` to test
 * `osqueryi`); a run is killed after 120 s. Cases run concurrently (two per CPU), each its own
 * Deno test (`cli: <case>`). Output naming this host (pids, times, uuids) cannot be golden: use
 * SQL literals or tables with fixed content. To create or refresh expectations after a deliberate change, run
 * `OSQ_UPDATE_GOLDEN=1 deno test -A cmd/cli_test.ts` and review the diff before committing.
 * `OSQ_GOLDEN_CASES=shell-json,shell-csv` limits a run to cases whose names start with those prefixes.
 *
 * @module
 */
import { Database } from "../core/sqlite/database.ts";
import { OSQUERY_VERSION } from "../core/runtime/version.ts";
import { assertEquals } from "../testing/assert.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const CASES = `${ROOT}/testdata/cli`;
const OSQ = `${ROOT}/osq`;
const UPDATE = Deno.env.get("OSQ_UPDATE_GOLDEN") === "1";
const CONCURRENCY = Math.max(2, 2 * (navigator.hardwareConcurrency ?? 1));
const decoder = new TextDecoder();
/** A case still running after this long is killed (and fails on its status). */
const CASE_TIMEOUT_MS = 120_000;

interface Outcome {
  stdout: string;
  stderr: string;
  status: number;
  files: Map<string, string>;
  tmp: string;
}

function readOptional(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}

function listFiles(dir: string, base = ""): string[] {
  const out: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return out;
  }
  for (const e of entries) {
    const rel = base ? `${base}/${e.name}` : e.name;
    if (e.isDirectory) out.push(...listFiles(`${dir}/${e.name}`, rel));
    else if (e.isFile) out.push(rel);
  }
  return out.sort();
}

let sqliteVersion: string | undefined;
function substitute(text: string, dir: string, tmp: string): string {
  sqliteVersion ??= Database.version;
  return text
    .replaceAll("{{case}}", dir)
    .replaceAll("{{tmp}}", tmp)
    .replaceAll("{{osquery_version}}", OSQUERY_VERSION)
    .replaceAll("{{sqlite_version}}", sqliteVersion);
}

// A small pool: cases start as soon as the module loads and run `CONCURRENCY` at a time.
let running = 0;
const waiting: (() => void)[] = [];
async function slot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= CONCURRENCY) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

async function runCase(dir: string): Promise<Outcome> {
  const tmp = Deno.makeTempDirSync({ prefix: "osq-cli-" });
  const args = JSON.parse(substitute(Deno.readTextFileSync(`${dir}/args`), dir, tmp)) as string[];
  const envText = readOptional(`${dir}/env`);
  const extraEnv = envText ? JSON.parse(substitute(envText, dir, tmp)) as Record<string, string> : {};
  const stdinText = readOptional(`${dir}/stdin`);
  const env: Record<string, string> = { ...Deno.env.toObject(), HOME: tmp, TERM: "dumb" };
  delete env.OSQ_ARGV0;
  delete env.OSQ_UPDATE_GOLDEN;
  Object.assign(env, extraEnv);
  const child = new Deno.Command(OSQ, {
    args,
    cwd: ROOT,
    env,
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(CASE_TIMEOUT_MS),
  }).spawn();
  const writer = child.stdin.getWriter();
  if (stdinText !== undefined) await writer.write(new TextEncoder().encode(substitute(stdinText, dir, tmp)));
  await writer.close().catch(() => {});
  const result = await child.output();
  const files = new Map<string, string>();
  for (const rel of listFiles(tmp)) {
    if (rel.startsWith(".osquery/")) continue; // the shell's history and home, not a result
    files.set(rel, Deno.readTextFileSync(`${tmp}/${rel}`));
  }
  return {
    stdout: decoder.decode(result.stdout),
    stderr: decoder.decode(result.stderr),
    status: result.code,
    files,
    tmp,
  };
}

function caseNames(): string[] {
  try {
    const only = Deno.env.get("OSQ_GOLDEN_CASES");
    return [...Deno.readDirSync(CASES)]
      .filter((e) => e.isDirectory && (!only || only.split(",").some((p) => e.name.startsWith(p))))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

const names = caseNames();
const outcomes = new Map<string, Promise<Outcome>>();
for (const name of names) {
  const promise = slot(() => runCase(`${CASES}/${name}`));
  promise.catch(() => {}); // reported by the case's own test
  outcomes.set(name, promise);
}

Deno.test("cli: the golden case folder holds cases", () => {
  if (names.length === 0) throw new Error(`No cases under ${CASES}`);
  for (const name of names) {
    for (const required of ["args", "stdout", "status"]) {
      if (!UPDATE && readOptional(`${CASES}/${name}/${required}`) === undefined) {
        throw new Error(`Case ${name} lacks its '${required}' file`);
      }
    }
  }
});

for (const name of names) {
  Deno.test(`cli: ${name}`, async () => {
    const dir = `${CASES}/${name}`;
    const outcome = await outcomes.get(name)!;
    try {
      const back = (text: string) => text.replaceAll(outcome.tmp, "{{tmp}}").replaceAll(dir, "{{case}}");
      if (UPDATE) {
        Deno.writeTextFileSync(`${dir}/stdout`, back(outcome.stdout));
        // A new case (no status yet) records its stderr; an existing one keeps its choice.
        const isNew = readOptional(`${dir}/status`) === undefined;
        if (readOptional(`${dir}/stderr`) !== undefined || (isNew && outcome.stderr !== "")) {
          Deno.writeTextFileSync(`${dir}/stderr`, back(outcome.stderr));
        }
        Deno.writeTextFileSync(`${dir}/status`, `${outcome.status}\n`);
        return;
      }
      const expectedStatus = Number(Deno.readTextFileSync(`${dir}/status`).trim());
      const expectedStdout = substitute(readOptional(`${dir}/stdout`) ?? "", dir, outcome.tmp);
      const expectedStderr = readOptional(`${dir}/stderr`);
      assertEquals(outcome.stdout, expectedStdout, `${name}: stdout`);
      if (expectedStderr !== undefined) {
        assertEquals(outcome.stderr, substitute(expectedStderr, dir, outcome.tmp), `${name}: stderr`);
      }
      assertEquals(outcome.status, expectedStatus, `${name}: exit status (stderr: ${outcome.stderr})`);
      const expectedFiles = listFiles(`${dir}/files`);
      for (const rel of expectedFiles) {
        const want = substitute(Deno.readTextFileSync(`${dir}/files/${rel}`), dir, outcome.tmp);
        assertEquals(outcome.files.get(rel), want, `${name}: file ${rel}`);
      }
    } finally {
      Deno.removeSync(outcome.tmp, { recursive: true });
    }
  });
}
