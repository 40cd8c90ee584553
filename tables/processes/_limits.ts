/**
 * /proc/<pid>/limits: a process's resource limits, under the names osquery gives them.
 *
 * @module
 */
import { fields, parseDecimal } from "../../core/host/text.ts";

/** One resource limit, keyed by osquery's name (cpu, fsize, ...). */
export interface Limit {
  /** osquery's name of the resource. */
  type: string;
  /** The soft limit as the kernel prints it ("unlimited" or a number). */
  soft: string;
  /** The hard limit, likewise. */
  hard: string;
}

const LIMIT_NAMES: Record<string, string> = {
  "Max cpu time": "cpu",
  "Max file size": "fsize",
  "Max data size": "data",
  "Max stack size": "stack",
  "Max core file size": "core",
  "Max resident set": "rss",
  "Max processes": "nproc",
  "Max open files": "nofile",
  "Max locked memory": "memlock",
  "Max address space": "as",
  "Max file locks": "locks",
  "Max pending signals": "sigpending",
  "Max msgqueue size": "msgqueue",
  "Max nice priority": "nice",
  "Max realtime priority": "rtprio",
};

/** Parses a limits file; rows sorted by type name (osquery's order), unknown lines skipped. */
export function parseLimits(content: string): Limit[] {
  const out: Limit[] = [];
  for (const line of content.split("\n")) {
    // Columns are fixed-width: a 26-character name, then soft, hard and units.
    const label = line.slice(0, 26).trimEnd();
    const type = LIMIT_NAMES[label];
    if (type === undefined) continue;
    const values = fields(line.slice(26));
    if (values.length < 2) continue;
    const [soft, hard] = values;
    if (!isLimitValue(soft) || !isLimitValue(hard)) continue;
    out.push({ type, soft, hard });
  }
  return out.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
}

function isLimitValue(v: string): boolean {
  return v === "unlimited" || parseDecimal(v) !== undefined;
}
