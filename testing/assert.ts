/**
 * Assertions for osq's tests, with the names of Deno's @std/assert (which is on JSR, out of
 * reach here) over node:assert's strict comparisons.
 *
 * @module
 */
import nodeAssert from "node:assert/strict";

/** Deep, strict equality. */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  nodeAssert.deepStrictEqual(actual, expected, message);
}

/** Deep, strict inequality. */
export function assertNotEquals<T>(actual: T, expected: T, message?: string): void {
  nodeAssert.notDeepStrictEqual(actual, expected, message);
}

/** Truthiness. */
export function assert(condition: unknown, message = "Assertion failed"): asserts condition {
  if (!condition) throw new nodeAssert.AssertionError({ message });
}

/** Text matches a regular expression. */
export function assertMatch(actual: string, pattern: RegExp, message?: string): void {
  nodeAssert.match(actual, pattern, message);
}

/** Text contains a substring. */
export function assertStringIncludes(actual: string, expected: string, message?: string): void {
  if (!actual.includes(expected)) {
    throw new nodeAssert.AssertionError({
      message: message ?? `Expected text to include ${JSON.stringify(expected)}; got ${JSON.stringify(actual)}`,
    });
  }
}

/** A function throws (optionally an instance of `ErrorClass` whose message includes `includes`). */
export function assertThrows(
  fn: () => unknown,
  // deno-lint-ignore no-explicit-any
  ErrorClass?: new (...args: any[]) => Error,
  includes?: string,
): Error {
  try {
    fn();
  } catch (err) {
    checkError(err, ErrorClass, includes);
    return err as Error;
  }
  throw new nodeAssert.AssertionError({ message: "Expected the function to throw" });
}

/** A promise rejects (optionally with an instance of `ErrorClass` whose message includes `includes`). */
export async function assertRejects(
  fn: () => Promise<unknown>,
  // deno-lint-ignore no-explicit-any
  ErrorClass?: new (...args: any[]) => Error,
  includes?: string,
): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    checkError(err, ErrorClass, includes);
    return err as Error;
  }
  throw new nodeAssert.AssertionError({ message: "Expected the promise to reject" });
}

// deno-lint-ignore no-explicit-any
function checkError(err: unknown, ErrorClass?: new (...args: any[]) => Error, includes?: string): void {
  if (ErrorClass && !(err instanceof ErrorClass)) {
    throw new nodeAssert.AssertionError({ message: `Expected ${ErrorClass.name}, got ${String(err)}` });
  }
  if (includes && !(err instanceof Error && err.message.includes(includes))) {
    throw new nodeAssert.AssertionError({
      message: `Expected error message to include ${JSON.stringify(includes)}; got ${JSON.stringify(String(err))}`,
    });
  }
}
