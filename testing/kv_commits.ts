/**
 * Counts the atomic commits made on a Deno KV handle, for tests that check how many database
 * transactions an operation costs.
 *
 * @module
 */

/** Commits started on `kv` from now until `stop()` (which puts its `atomic` back). */
export function countCommits(kv: Deno.Kv): { count: () => number; stop: () => void } {
  const handle = kv as Deno.Kv & { atomic: Deno.Kv["atomic"] };
  const atomic = handle.atomic.bind(handle);
  let commits = 0;
  handle.atomic = () => (commits++, atomic());
  return { count: () => commits, stop: () => void (handle.atomic = atomic) };
}
