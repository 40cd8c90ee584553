/**
 * The shell as a program entry of its own: `osq shell ARGS` and `osqueryi ARGS` run this module
 * with ARGS (the one-file executable's loader and the `./osq` launcher pick it), so a one-shot query
 * loads the shell's modules directly rather than main.ts and then the shell through `import()`.
 *
 * @module
 */
import { startEntry } from "../entry.ts";
import { main } from "../shell.ts";

if (import.meta.main) {
  // Read (and removed from the environment) as main.ts does, so children do not inherit it.
  Deno.env.delete("OSQ_ARGV0");
  await startEntry(main);
}
