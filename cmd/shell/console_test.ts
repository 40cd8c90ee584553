/**
 * The interactive console through a real pseudo-terminal (python3's pty module drives
 * `./osq shell`): completion, history across runs, Ctrl-C on a long query and at the prompt,
 * continuation prompts, Ctrl-D.
 */
import "../../tables/catalogue.ts";
import { registry } from "../../core/registry.ts";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../../testing/assert.ts";
import { EOF, PROMPT, type Step } from "./pty_test_helpers.ts";
import { session, withHome } from "./console_test_helpers.ts";

Deno.test("console: banner, a query, Ctrl-D leaves with status 0", async () => {
  await withHome(async (home) => {
    const steps: Step[] = [
      { expect: "Using a .*virtual database.*\\. Need help, type '\\.help'" },
      PROMPT,
      { send: "select 40 + 2 as answer;\r" },
      { expect: "\\| answer \\|" },
      PROMPT,
      EOF,
    ];
    const result = await session(home, steps);
    assertEquals(result.status, 0);
  });
});

Deno.test("console: TAB completes table names and the columns of the tables in the statement", async () => {
  await withHome(async (home) => {
    const steps: Step[] = [
      PROMPT,
      { send: "SELECT * FROM osquery_inf\t" },
      { expect: "osquery_info" },
      { send: " WHERE versi\t" },
      { expect: "WHERE version" },
      { send: " <> '';\r" },
      { expect: "\\| version +\\|" },
      PROMPT,
      { send: ".mo\t" },
      { expect: "\\.mode" },
      { send: " line\r" },
      PROMPT,
      EOF,
    ];
    await session(home, steps);
  });
});

if (!registry.table("processes")) {
  console.warn("console_test: the processes completion test is skipped: no processes table");
}

Deno.test({
  name: "console: SELECT * FROM proc<TAB> completes to processes, then its columns",
  ignore: registry.table("processes") === undefined,
  fn: async () => {
    await withHome(async (home) => {
      const steps: Step[] = [
        PROMPT,
        // TAB completes the common prefix of processes, process_envs, ... (linenoise-ng, readline).
        { send: "SELECT * FROM proc\t" },
        { expect: "FROM process" },
        { send: "es WHERE pare\t" },
        { expect: "WHERE parent" },
        { send: " = -1;\r" },
        PROMPT,
        EOF,
      ];
      const result = await session(home, steps);
      assertEquals(result.status, 0);
    });
  },
});

Deno.test("console: history survives a restart (~/.osquery/.history)", async () => {
  await withHome(async (home) => {
    const first: Step[] = [PROMPT, { send: "select 'from the first run' as marker;\r" }, PROMPT, EOF];
    await session(home, first);
    assertEquals(Deno.readTextFileSync(`${home}/.osquery/.history`), "select 'from the first run' as marker;\n");
    const second: Step[] = [
      PROMPT,
      { send: "\x1b[A" },
      { expect: "select 'from the first run' as marker;" },
      { send: "\r" },
      { expect: "\\| from the first run \\|" },
      PROMPT,
      EOF,
    ];
    await session(home, second);
  });
});

Deno.test("console: Ctrl-C stops a long query and the shell stays usable", async () => {
  await withHome(async (home) => {
    const steps: Step[] = [
      PROMPT,
      {
        send:
          "with recursive c(i) as (select 0 union all select i + 1 from c where i < 1e13) select count(*) from c;\r",
      },
      // Ctrl-C again every 2 s until the query reports the interruption: one that arrives before
      // the query has started (a slow machine) must not leave the test waiting.
      { send: "\x03", until: "Error: interrupted", every: 2 },
      PROMPT,
      { send: "select 'still here' as alive;\r" },
      { expect: "\\| still here \\|" },
      PROMPT,
      EOF,
    ];
    const result = await session(home, steps);
    assertEquals(result.status, 1, "an interrupted statement counts as a failed one, as in osqueryi");
  });
});

Deno.test("console: multi-line statements use the continuation prompt; Ctrl-C at the prompt abandons them", async () => {
  await withHome(async (home) => {
    const steps: Step[] = [
      PROMPT,
      { send: "select\r" },
      { expect: "    \\.\\.\\.> " },
      { send: "1 as one\r" },
      { expect: "    \\.\\.\\.> " },
      { send: "\x03" },
      { expect: "\\^C" },
      PROMPT,
      { send: "select 2 as two;\r" },
      { expect: "\\| two \\|" },
      PROMPT,
      EOF,
    ];
    const result = await session(home, steps);
    assertEquals(result.status, 0);
    assert(!result.transcript.includes("| one |"), "the abandoned statement must not run");
  });
});

Deno.test("console: line editing keys (Home, Ctrl-K, Left, Backspace) edit the line before it runs", async () => {
  await withHome(async (home) => {
    const steps: Step[] = [
      PROMPT,
      { send: "select 'abX' as v; junk" },
      { send: "\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D\x0b" }, // five lefts to after ';', kill to end
      { send: "\x01" + "\x1b[C".repeat(11) + "\x7f" }, // Home, 11 rights, backspace the X
      { send: "\r" },
      { expect: "\\| ab +\\|" },
      PROMPT,
      EOF,
    ];
    const result = await session(home, steps);
    assertMatch(result.transcript, /\| v +\|/);
    assertStringIncludes(result.transcript, "| ab |");
  });
});
