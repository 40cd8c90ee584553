/**
 * Config sections that tables and publishers consume (osquery's config parsers): a table module
 * registers a handler for its top-level key (`yara`, `prometheus_targets`, ...), and whoever loads
 * a config — the daemon, each query thread, the shell's `--config_path` — hands every section over
 * with {@linkcode applyConfigSections}. Faces never import tables for this.
 *
 * @module
 */

/** Receives a section's JSON value (undefined when the config has no such key). */
export type SectionHandler = (value: unknown) => void;

const handlers = new Map<string, SectionHandler[]>();

/** Registers a handler for a top-level config key. */
export function onConfigSection(key: string, handler: SectionHandler): void {
  const list = handlers.get(key) ?? [];
  list.push(handler);
  handlers.set(key, list);
}

/** The keys some module consumes. */
export function consumedSections(): string[] {
  return [...handlers.keys()].sort();
}

/**
 * Hands each registered key's value to its handlers; returns `key: message` for handlers that
 * threw (the rest still run).
 */
export function applyConfigSections(sections: Record<string, unknown>): string[] {
  const failures: string[] = [];
  for (const [key, list] of handlers) {
    for (const handler of list) {
      try {
        handler(sections[key]);
      } catch (err) {
        failures.push(`${key}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
  return failures;
}
