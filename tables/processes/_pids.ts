/**
 * Which processes a scan visits: every pid directory of a procfs, or only the ones a query's
 * `pid =`/`IN` constraint names (so `WHERE pid = 1` reads one directory, not thousands).
 *
 * @module
 */
import { exists } from "../../core/host/files.ts";
import { OP, type QueryContext } from "../../core/table.ts";
import { parseDecimal } from "../../core/host/text.ts";

/** Every process id under the procfs at `proc`, ascending. */
export function listPids(proc: string): number[] {
  const pids: number[] = [];
  try {
    for (const entry of Deno.readDirSync(proc)) {
      const name = entry.name;
      const c = name.charCodeAt(0);
      if (c < 49 || c > 57) continue; // pids start with 1-9
      const pid = parseDecimal(name);
      if (pid !== undefined && pid > 0 && entry.isDirectory) pids.push(pid);
    }
  } catch {
    // An unreadable procfs lists nothing.
  }
  return pids.sort((a, b) => a - b);
}

/** The pids named in `constrained` that exist under the procfs at `proc`, ascending and distinct. */
export function selectPids(constrained: readonly (number | string)[], proc: string): number[] {
  const out = new Set<number>();
  for (const value of constrained) {
    const pid = typeof value === "number" ? value : parseDecimal(value);
    if (pid === undefined || !Number.isSafeInteger(pid) || pid <= 0) continue;
    if (exists(`${proc}/${pid}`)) out.add(pid);
  }
  return [...out].sort((a, b) => a - b);
}

/**
 * The pids a pid-indexed table should scan: those named by `pid =`/`IN` constraints that exist
 * (none when every named value is junk), or every process when `pid` is unconstrained.
 */
export function pidsToScan(ctx: QueryContext, proc: string): number[] {
  if (!ctx.hasConstraint("pid", OP.EQUALS)) return listPids(proc);
  return selectPids(ctx.integerEquals("pid"), proc);
}
