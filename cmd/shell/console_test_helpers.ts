/**
 * Console sessions for the console tests: each test runs in a fresh HOME (so the history file is
 * its own), removed afterwards, and every session fails unless all its steps were met.
 *
 * @module
 */
import { check, drive, type PtyResult, type Step } from "./pty_test_helpers.ts";

/** Runs `fn` with a fresh HOME directory, removed afterwards. */
export async function withHome(fn: (home: string) => Promise<void>): Promise<void> {
  const home = Deno.makeTempDirSync();
  try {
    await fn(home);
  } finally {
    Deno.removeSync(home, { recursive: true });
  }
}

/**
 * Plays `steps` on `./osq shell` with HOME `home` (on a terminal `columns` wide) and fails with the
 * unmet step and the transcript unless all were met; the session's result.
 */
export async function session(home: string, steps: Step[], columns?: number): Promise<PtyResult> {
  const result = await drive(home, steps, columns);
  check(result, steps);
  return result;
}
