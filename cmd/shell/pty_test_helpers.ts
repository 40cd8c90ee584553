/**
 * Test support: drives `./osq shell` through a real pseudo-terminal (python3's pty module, see
 * pty_driver.py) with a script of keys to send and output to expect.
 *
 * @module
 */
import { assert } from "../../testing/assert.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const DRIVER = new URL("./pty_driver.py", import.meta.url).pathname;

/** One step of a console script: keys to send, a regular expression to wait for, or a pause. */
export type Step =
  | { send: string }
  | { expect: string; timeout?: number }
  | { sleep: number }
  | { send: string; until: string; every: number; timeout?: number };

/** What the driver saw: whether every step was met, the shell's exit status and the screen text. */
export interface PtyResult {
  ok: boolean;
  failed_step: number | null;
  status: number | null;
  transcript: string;
}

/**
 * A fresh prompt: on a new line. The line editor also redraws "\rosquery> ..." as it echoes typed
 * input, so a bare "osquery> " could match the echo of a statement before it has run.
 */
export const PROMPT: Step = { expect: "\\n\\r?osquery> " };
/** Ctrl-D. */
export const EOF: Step = { send: "\x04" };

/** Runs `./osq shell` with HOME `home` on a pseudo-terminal and plays `steps`. */
export async function drive(home: string, steps: Step[], columns?: number): Promise<PtyResult> {
  const env = { ...Deno.env.toObject(), HOME: home, TERM: "xterm" };
  delete (env as Record<string, string | undefined>).OSQ_ARGV0;
  const child = new Deno.Command("python3", { args: [DRIVER], stdin: "piped", stdout: "piped", stderr: "piped" })
    .spawn();
  const writer = child.stdin.getWriter();
  // Generous deadlines: the suite runs in parallel on two loaded cores, where a shell can take
  // seconds to start or exit; a real hang still fails.
  await writer.write(new TextEncoder().encode(JSON.stringify({
    argv: [`${ROOT}/osq`, "shell"],
    env,
    cwd: ROOT,
    ...(columns ? { columns } : {}),
    steps: steps.map((s) => (("expect" in s || "until" in s) && s.timeout === undefined ? { ...s, timeout: 60 } : s)),
    exit_timeout: 60,
  })));
  await writer.close();
  const out = await child.output();
  if (!out.success) throw new Error(`pty driver failed: ${new TextDecoder().decode(out.stderr)}`);
  return JSON.parse(new TextDecoder().decode(out.stdout)) as PtyResult;
}

/** Fails with the unmet step and the transcript when the script did not run to its end. */
export function check(result: PtyResult, steps: Step[]): void {
  assert(
    result.ok,
    `step ${result.failed_step} (${JSON.stringify(steps[result.failed_step ?? 0])}) not met; transcript:\n${
      JSON.stringify(result.transcript)
    }`,
  );
}
