/**
 * `--database_dump`: prints every entry of the daemon's database as osquery does,
 * `domain[key]: value` one per line, and exits 0. A database that does not exist yet is empty
 * (it is not created).
 *
 * @module
 */
import { openStore } from "../../core/kv/store.ts";

const decoder = new TextDecoder();

/** A stored value as one line of text. */
export function valueText(value: unknown): string {
  if (value instanceof Uint8Array) return decoder.decode(value);
  if (typeof value === "string") return value;
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Deno.KvU64) return value.value.toString();
  return JSON.stringify(value, (_k, v) => typeof v === "bigint" ? v.toString() : v) ?? String(value);
}

/** A KV key as osquery's `domain[key]`. */
export function keyText(key: Deno.KvKey): string {
  const [domain, ...rest] = key.map((part) => part instanceof Uint8Array ? decoder.decode(part) : String(part));
  return `${domain}[${rest.join(".")}]`;
}

/** Writes the dump of the database at `path`; resolves to the exit status. */
export async function databaseDump(path: string, out: (text: string) => void): Promise<number> {
  if (path !== ":memory:") {
    try {
      Deno.statSync(path);
    } catch {
      return 0;
    }
  }
  const store = await openStore(path);
  try {
    for await (const entry of store.kv.list({ prefix: [] })) out(`${keyText(entry.key)}: ${valueText(entry.value)}\n`);
  } finally {
    store.close();
  }
  return 0;
}
