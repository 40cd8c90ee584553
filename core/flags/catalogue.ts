/**
 * Reporting the osquery flags osq accepts but does not act on: each such flag a user sets is
 * named once (at start, or when a config refresh first sets it), so a deployment's flagfile keeps
 * working and its owner still learns which settings have no effect here.
 *
 * @module
 */
import { type Flags, flags } from "./flags.ts";

const reported = new WeakMap<Flags, Set<string>>();

/** The ignored flags in use that were not reported yet; marks them reported. */
export function newlyIgnoredFlags(registry: Flags = flags): string[] {
  let seen = reported.get(registry);
  if (!seen) reported.set(registry, seen = new Set());
  const fresh = registry.ignoredInUse().filter((name) => !seen.has(name));
  for (const name of fresh) seen.add(name);
  return fresh;
}

/** The status line naming ignored flags. */
export function ignoredFlagsMessage(names: readonly string[]): string {
  return `osquery flags osq accepts but does not act on (ignored): ${names.map((n) => `--${n}`).join(", ")}`;
}

/**
 * Flags osquery 5.23 defines but never reads (kept so old flagfiles load): they are no-ops in
 * osquery as here, so osq "acts" on them exactly as osquery does and does not report them.
 */
const OSQUERY_NO_OPS = ["D", "utc", "worker_threads", "yara_malloc_trim"];
for (const name of OSQUERY_NO_OPS) {
  const catalogued = flags.spec(name);
  if (!catalogued.ignored) continue;
  flags.define({ ...catalogued, ignored: false, description: "No effect, as in osquery (kept so old flagfiles work)" });
}
