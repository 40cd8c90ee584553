/**
 * Console keys through a real pseudo-terminal (python3's pty module drives `./osq shell`, see
 * pty_driver.py): TAB lists the candidates of an ambiguous prefix on a second press, Ctrl-R
 * searches the history file osqueryi uses, and Ctrl-C stops a walk of the whole filesystem.
 * (How fast Ctrl-C returns is measured by scripts/bench_interrupt.ts, not here.)
 */
import { assertEquals, assertStringIncludes } from "../../testing/assert.ts";
import { EOF, PROMPT, type Step } from "./pty_test_helpers.ts";
import { session, withHome } from "./console_test_helpers.ts";

Deno.test("console: TAB completes an ambiguous prefix's common part, a second TAB lists the candidates", async () => {
  await withHome(async (home) => {
    const steps: Step[] = [
      PROMPT,
      { send: "SELECT * FROM process_open_f\t" },
      { expect: "FROM process_open_files" },
      { send: "\x15SELECT * FROM process_\t" },
      // The bell, then nothing more to add: the second TAB lists the process_* tables.
      { expect: "\x07" },
      { send: "\t" },
      { expect: "process_envs +process_memory_map" },
      { expect: "process_open_sockets" },
      // The line comes back below the list, as typed.
      { expect: "osquery> SELECT \\* FROM process_" },
      { send: "envs WHERE pid = -1;\r" },
      // The prompt is redrawn as keys are typed: wait for output that only a finished query prints.
      { send: "select 'tab' || '-done' as marker;\r" },
      { expect: "\\| tab-done +\\|" },
      PROMPT,
      EOF,
    ];
    const result = await session(home, steps, 100);
    assertEquals(result.status, 0);
  });
});

Deno.test("console: Ctrl-R finds an earlier statement in ~/.osquery/.history and Enter runs it", async () => {
  await withHome(async (home) => {
    // History from an earlier session, in the file osqueryi keeps.
    Deno.mkdirSync(`${home}/.osquery`, { mode: 0o700 });
    Deno.writeTextFileSync(
      `${home}/.osquery/.history`,
      "select 'needle-' || 'older' as found;\nselect 'needle-' || 'newer' as found;\nselect 3;\n",
    );
    const steps: Step[] = [
      PROMPT,
      { send: "\x12needle" },
      { expect: "\\(reverse-i-search\\)`needle': select 'needle-' \\|\\| 'newer' as found;" },
      { send: "\x12" },
      { expect: "`needle': select 'needle-' \\|\\| 'older' as found;" },
      { send: "\r" },
      { expect: "needle-older" },
      PROMPT,
      // Ctrl-S goes back to newer matches; Esc leaves the search with the line as it was.
      { send: "select 'draft'\x12needle\x12\x12\x13" },
      { expect: "\\(i-search\\)`needle': select 'needle-' \\|\\| 'newer' as found;" },
      { send: "\x1b as kept;\r" },
      { expect: "\\| draft +\\|" },
      PROMPT,
      EOF,
    ];
    await session(home, steps, 100);
    const history = Deno.readTextFileSync(`${home}/.osquery/.history`);
    assertStringIncludes(history, "select 'draft' as kept;\n");
  });
});

Deno.test("console: Ctrl-C stops a walk of the whole filesystem and the shell carries on", async () => {
  await withHome(async (home) => {
    const steps: Step[] = [
      PROMPT,
      { send: "select count(*) from file where path like '/%%';\r" },
      // Ctrl-C every 2 s until the walk reports the interruption (one that arrives before the
      // query started is lost). The uninterrupted walk takes tens of seconds; the 20 s bound is
      // generous for a loaded machine (scripts/bench_interrupt.ts measures the latency: ~20 ms).
      { send: "\x03", until: "Error: interrupted", every: 2, timeout: 20 },
      PROMPT,
      { send: "select 6 * 7 as answer;\r" },
      { expect: "42" },
      PROMPT,
      EOF,
    ];
    const result = await session(home, steps, 100);
    // As osqueryi: an interactive session in which a statement failed (here: interrupted) exits 1.
    assertEquals(result.status, 1);
  });
});
