/**
 * SQL fuzzing against one `./osq shell` process: the seed statements of testdata/fuzz/
 * (pragmas, DDL, refused statements), functions called with bad arguments, and mutated osquery
 * pack queries are fed to the shell's standard input one at a time. Whatever SQL arrives, the
 * shell must answer each statement (rows or an error) and go on: no signal death, no stack trace,
 * no hang, and no file created by SQL.
 *
 * Bounded: every seed, then generated statements until {@linkcode MAX_STATEMENTS} statements or
 * {@linkcode FEED_BUDGET_MS} of feeding, whichever comes first; one statement may take {@linkcode STATEMENT_DEADLINE_MS}
 * (far more than any needs, even on a loaded machine) before it counts as a hang. The
 * statements are chosen by a seeded generator (`OSQ_FUZZ_SEED` picks another seed; the seed
 * in use is printed), so a failure names the statement and can be replayed.
 *
 * @module
 */
import { assert, assertEquals } from "../../testing/assert.ts";
import { isCompleteStatement } from "../sqlite/database.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const FUZZ = `${ROOT}/testdata/fuzz`;
const MAX_STATEMENTS = 1_500;
const FEED_BUDGET_MS = 15_000;
const STATEMENT_DEADLINE_MS = 30_000;

/** Stack traces and crash reports, from Deno/V8 or from the Rust runtime. */
const CRASH_PATTERNS = [
  /^\s+at .*(:\d+:\d+\)?|<anonymous>\)?)$/m,
  /Uncaught/,
  /panicked at/,
  /Stack backtrace/,
  /RUST_BACKTRACE/,
  /Segmentation fault|core dumped|SIGSEGV|SIGABRT/,
];

/** mulberry32: a small seeded generator, so a run can be replayed. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function lines(path: string): string[] {
  return Deno.readTextFileSync(path).split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
}

interface Corpus {
  seeds: string[];
  values: string[];
  functions: { name: string; min: number; max: number }[];
  packs: string[];
}

function loadCorpus(tmp: string): Corpus {
  const seeds = lines(`${FUZZ}/statements.sql`)
    .filter((l) => !l.startsWith("--"))
    .map((l) => l.replaceAll("{{tmp}}", tmp).replace(/;$/, ""));
  const values = lines(`${FUZZ}/values.txt`);
  const functions = lines(`${FUZZ}/functions.txt`).map((l) => {
    const [name, min, max] = l.split(/\s+/);
    return { name, min: Number(min), max: Number(max) };
  });
  const reference = JSON.parse(Deno.readTextFileSync(`${ROOT}/testdata/reference/osquery-packs.json`)) as {
    queries: { query: string; linux_applicable: boolean }[];
  };
  const packs = reference.queries.filter((q) => q.linux_applicable).map((q) => q.query.trim().replace(/;\s*$/, ""))
    // Queries that walk the whole filesystem take tens of seconds on a loaded machine: they test
    // the walk, not the SQL surface, and would turn the per-statement deadline into a timing test.
    .filter((q) => !WHOLE_FILESYSTEM.test(q));
  return { seeds, values, functions, packs };
}

/** Tables whose plain scan walks the whole filesystem (suid_bin searches every directory). */
const WHOLE_FILESYSTEM = /\bsuid_bin\b/i;

const OPERATORS = ["=", "<", ">", "<=", ">=", "!=", "LIKE", "GLOB", "REGEXP", "IN", "IS", "MATCH", "||", "+"];
const TABLES = ["processes", "time", "users", "osquery_info", "file", "hash", "process_events", "mounts", "groups"];
/** Mutation kinds (see the switch in statements()), weighted toward edits that still parse. */
const EDITS = [0, 0, 0, 4, 4, 5, 5, 8, 8, 9, 9, 9, 1, 2, 3, 6, 7];
/** Arguments for sleep(): bad ones, never a long wait. */
const SLEEP_VALUES = ["NULL", "-1", "'x'", "x'00'", "0", "0.001", "'1e999'", "-1e308"];

function tokens(sql: string): string[] {
  return sql.match(/'(?:[^']|'')*'|"[^"]*"|\w+|\s+|[^\w\s]/g) ?? [];
}

/** Builds the statements: every seed once, then a seeded mix of the four kinds. */
function* statements(corpus: Corpus, random: () => number): Generator<string> {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const value = () => pick(corpus.values);
  const call = () => {
    const fn = pick(corpus.functions);
    const n = fn.min + Math.floor(random() * (fn.max - fn.min + 1));
    const args = Array.from({ length: n }, () => fn.name === "sleep" ? pick(SLEEP_VALUES) : value());
    return `${fn.name}(${args.join(", ")})`;
  };
  const mutate = (sql: string): string => {
    const t = tokens(sql);
    const rounds = 1 + Math.floor(random() * 3);
    for (let r = 0; r < rounds && t.length; r++) {
      const solid = t.map((tok, i) => (/^\s+$/.test(tok) ? -1 : i)).filter((i) => i >= 0);
      if (!solid.length) break;
      const i = pick(solid);
      // Mostly edits that keep the statement parseable (literals, operators, tables, calls).
      switch (pick(EDITS)) {
        case 0: {
          const literals = solid.filter((k) => /^'|^\d/.test(t[k]));
          if (literals.length) t[pick(literals)] = value();
          else t[i] = value();
          break;
        }
        case 1:
          t.splice(i, 1);
          break;
        case 2:
          t.splice(i, 0, t[i], " ");
          break;
        case 3: {
          const j = pick(solid);
          [t[i], t[j]] = [t[j], t[i]];
          break;
        }
        case 4: {
          const ops = solid.filter((k) => /^(=|<|>|!|like|glob|in|is)$/i.test(t[k]));
          t[ops.length ? pick(ops) : i] = ` ${pick(OPERATORS)} `;
          break;
        }
        case 5: {
          const names = solid.filter((k) => /^[a-z_]\w*$/i.test(t[k]));
          const k = names.length ? pick(names) : i;
          const fn = pick(corpus.functions.filter((f) => f.name !== "sleep" && f.max >= 1));
          t[k] = `${fn.name}(${[t[k], ...Array.from({ length: fn.max - 1 }, value)].join(", ")})`;
          break;
        }
        case 6:
          t.splice(i + 1);
          break;
        case 7:
          t.splice(i, 0, ` ${pick([value(), "(", ")", ",", "NULL", "NOT", "AND", "OR", "SELECT", "*"])} `);
          break;
        case 8: {
          const known = solid.filter((k) => TABLES.includes(t[k].toLowerCase()));
          t[known.length ? pick(known) : i] = pick(TABLES);
          break;
        }
        default:
          t[i] = call();
      }
    }
    return t.join("");
  };
  yield* corpus.seeds;
  for (;;) {
    const kind = random();
    if (kind < 0.35) yield mutate(pick(corpus.packs));
    else if (kind < 0.55) yield pick(corpus.packs);
    else if (kind < 0.8) {
      const shape = random();
      const c = call();
      yield shape < 0.5
        ? `SELECT ${c}`
        : shape < 0.8
        ? `SELECT ${c} FROM time`
        : `SELECT * FROM time WHERE ${c} IS NULL`;
    } else yield mutate(pick(corpus.seeds));
  }
}

/** A statement the shell reads as exactly one statement (no meta-command, nothing left open). */
function runnable(sql: string): boolean {
  if (sql.split("\n").some((l) => l.trimStart().startsWith("."))) return false;
  return isCompleteStatement(`${sql};`) && isCompleteStatement(`${sql};\nSELECT 1;`);
}

Deno.test("sql fuzz: one shell answers every seed, bad-argument call and mutated pack query without crashing", async () => {
  const seed = Number(Deno.env.get("OSQ_FUZZ_SEED") ?? "1407");
  const tmp = Deno.makeTempDirSync({ prefix: "osq-fuzz-" });
  const corpus = loadCorpus(tmp);
  const child = new Deno.Command(`${ROOT}/osq`, {
    args: ["shell", "--list", "--noheader"],
    cwd: tmp,
    env: { HOME: tmp, TERM: "dumb", PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderrText = new Response(child.stderr).text();
  const writer = child.stdin.getWriter();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let tail = "";
  let closed = false;
  /** Reads stdout until `marker` appears; false when stdout ended first or the deadline passed. */
  const waitFor = async (marker: string, deadline: number): Promise<"seen" | "closed" | "timeout"> => {
    while (!tail.includes(marker)) {
      if (closed) return "closed";
      const left = deadline - performance.now();
      if (left <= 0) return "timeout";
      let timer: ReturnType<typeof setTimeout> | undefined;
      const chunk = await Promise.race([
        reader.read(),
        new Promise<"timeout">((resolve) => timer = setTimeout(() => resolve("timeout"), left)),
      ]);
      clearTimeout(timer);
      if (chunk === "timeout") return "timeout";
      if (chunk.done) closed = true;
      else tail = (tail + chunk.value).slice(-4096);
    }
    tail = tail.slice(tail.indexOf(marker) + marker.length);
    return "seen";
  };
  const encoder = new TextEncoder();
  const started = performance.now();
  let ran = 0;
  let last = "";
  let failure: string | undefined;
  let killed = false;
  const timings: string[] = [];
  try {
    let yielded = 0;
    for (const sql of statements(corpus, generator(seed))) {
      // Every seed runs, however slow the machine; the budget bounds the generated rest.
      const seeding = yielded++ < corpus.seeds.length;
      if (!seeding && (ran >= MAX_STATEMENTS || performance.now() - started > FEED_BUDGET_MS)) break;
      if (!runnable(sql)) continue;
      last = sql;
      const marker = `FUZZ-MARK-${ran}`;
      const t0 = performance.now();
      await writer.write(encoder.encode(`${sql};\nSELECT '${marker}';\n`));
      const outcome = await waitFor(marker, t0 + STATEMENT_DEADLINE_MS);
      timings.push(`${Math.round(performance.now() - t0)} ms\t${sql.replaceAll("\n", " ")}`);
      if (outcome !== "seen") {
        failure = outcome === "closed"
          ? `the shell ended while running statement ${ran}: ${sql}`
          : `no marker row within ${STATEMENT_DEADLINE_MS} ms after statement ${ran} (it hangs, or it broke ` +
            `every later statement, as PRAGMA hard_heap_limit = 1 once did): ${sql}`;
        break;
      }
      ran++;
    }
  } finally {
    await writer.close().catch(() => {});
    if (failure) {
      try {
        killed = true;
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
    // Drain what is left so the process can exit.
    while (!closed) {
      const chunk = await reader.read();
      if (chunk.done) closed = true;
    }
  }
  const status = await child.status;
  const stderr = await stderrText;
  console.log(`sql fuzz: seed ${seed}, ${ran} statements in ${Math.round(performance.now() - started)} ms`);
  // OSQ_FUZZ_LOG=path keeps the statements' timings and the shell's stderr, to study a run.
  const log = Deno.env.get("OSQ_FUZZ_LOG");
  if (log) Deno.writeTextFileSync(log, `${timings.join("\n")}\n--- stderr ---\n${stderr}`);
  // SQL never creates a file: VACUUM INTO, ATTACH and the file pragmas named these.
  const created = ["vacuum.db", "attach.db", "evil.so"].filter((name) => {
    try {
      Deno.statSync(`${tmp}/${name}`);
      return true;
    } catch {
      return false;
    }
  });
  Deno.removeSync(tmp, { recursive: true });
  assertEquals(created, [], `seed ${seed}: SQL created files`);
  // A signal we did not send (we SIGKILL only a shell that stopped answering).
  if (!killed || status.signal !== "SIGKILL") {
    assertEquals(status.signal, null, `seed ${seed}: the shell died of ${status.signal} after: ${last}`);
  }
  assertEquals(failure, undefined, `seed ${seed}: ${failure}`);
  assert(
    status.code === 0 || status.code === 1,
    `seed ${seed}: exit ${status.code}; stderr tail: ${stderr.slice(-2000)}`,
  );
  for (const pattern of CRASH_PATTERNS) {
    const m = pattern.exec(stderr);
    assert(
      m === null,
      `seed ${seed}: stderr has ${pattern}: ${m && stderr.slice(Math.max(0, m.index - 800), m.index + 400)}`,
    );
  }
});
