/**
 * Node built-in modules fetched when first used instead of imported at start-up.
 *
 * A static `import ... from "node:crypto"` (or `node:zlib`, `node:process`) makes Deno set up its
 * Node compatibility layer before any code runs: about 10 MiB and 30 ms for every command, even
 * `osq shell "select 1"`. Code on a path most commands never take (hash SQL functions, the
 * carver, `.timer`) reaches the module through these getters, which pay that cost only then.
 *
 * @module
 */
import type * as NodeCrypto from "node:crypto";
import type * as NodeZlib from "node:zlib";
import type NodeProcess from "node:process";

interface BuiltinLoader {
  getBuiltinModule(name: string): unknown;
}

function builtin<T>(name: string): T {
  const process = (globalThis as unknown as { process: BuiltinLoader }).process;
  return process.getBuiltinModule(name) as T;
}

/** `node:crypto`, loaded on first use. */
export function nodeCrypto(): typeof NodeCrypto {
  return builtin<typeof NodeCrypto>("node:crypto");
}

/** `node:zlib`, loaded on first use. */
export function nodeZlib(): typeof NodeZlib {
  return builtin<typeof NodeZlib>("node:zlib");
}

/** `node:process`, loaded on first use. */
export function nodeProcess(): typeof NodeProcess {
  return builtin<typeof NodeProcess>("node:process");
}
