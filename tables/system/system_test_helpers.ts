/**
 * Paths of the system area's fixture trees (testdata/system/<name>), for tests.
 *
 * @module
 */

/** The absolute path of fixture tree `name` under testdata/system. */
export function fixture(name: string): string {
  return new URL(`../../testdata/system/${name}`, import.meta.url).pathname.replace(/\/$/, "");
}
