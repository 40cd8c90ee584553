/**
 * Which statement is running on this thread, so a table can say something once per statement
 * rather than once per scan (a join scans its inner table once per outer row).
 *
 * {@linkcode Statement.step} opens a new scope on a statement's first step; tables ask
 * {@linkcode oncePerStatement} before they warn.
 *
 * @module
 */

let seen = new Set<string>();

/** Starts a new statement's scope: every key may be reported once more. */
export function beginStatement(): void {
  seen = new Set();
}

/** True the first time `key` is seen in the running statement, false afterwards. */
export function oncePerStatement(key: string): boolean {
  if (seen.has(key)) return false;
  seen.add(key);
  return true;
}
