/**
 * `load_average`: the 1, 5 and 15 minute system load averages, from /proc/loadavg (the file
 * glibc's getloadavg(3) reads).
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readText } from "./_lib.ts";

export default registerTable(defineTable({
  name: "load_average",
  description: "System load averages over the last 1, 5 and 15 minutes.",
  columns: [
    { name: "period", type: "TEXT", description: "The averaging period: 1m, 5m or 15m." },
    {
      name: "average",
      type: "TEXT",
      description: "Runnable and waiting tasks averaged over the period, six decimals.",
    },
  ],
  generate(ctx) {
    return loadAverageRows(parseLoadAvg(readText(ctx.host.path("/proc/loadavg")) ?? ""));
  },
}));

const PERIODS = ["1m", "5m", "15m"];

/** Parses the first three fields of /proc/loadavg; `undefined` when malformed. */
export function parseLoadAvg(text: string): [number, number, number] | undefined {
  const f = text.trim().split(/\s+/).slice(0, 3).map(Number);
  return f.length === 3 && f.every((n) => Number.isFinite(n) && n >= 0) ? [f[0], f[1], f[2]] : undefined;
}

/** The rows for three averages, printed with six decimals as osquery's std::to_string does. */
export function loadAverageRows(loads: [number, number, number] | undefined): Row[] {
  if (!loads) return [];
  return loads.map((v, i) => ({ period: PERIODS[i], average: v.toFixed(6) }));
}
