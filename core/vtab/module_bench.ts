/**
 * Per-cell cost of the virtual-table module on a synthetic 200,000-row, 5-column table.
 * Every cell crosses xColumn once (`sum(length(...))` forces SQLite to read each one), so
 * (time per iteration - time of the row-only scan) / 1,000,000 is the cost of one cell.
 *
 * Run: deno bench -A core/vtab/module_bench.ts   (or: deno run -A core/vtab/module_bench.ts for µs/cell)
 */
import { Engine } from "../engine.ts";
import { Registry } from "../registry.ts";
import type { Row } from "../table.ts";
import process from "node:process";

const ROWS = 200_000;
const COLUMNS = 5;
const rows: Row[] = Array.from({ length: ROWS }, (_, i) => ({
  pid: i,
  name: "process-" + i,
  cpu: i * 1.5,
  path: "/usr/bin/program-" + i,
  uid: i % 1000,
}));

const registry = new Registry();
registry.addTable({
  name: "synthetic",
  description: "A synthetic 200,000-row table for measuring the module.",
  columns: [
    { name: "pid", type: "BIGINT" },
    { name: "name", type: "TEXT" },
    { name: "cpu", type: "DOUBLE" },
    { name: "path", type: "TEXT" },
    { name: "uid", type: "INTEGER" },
  ],
  generate: () => rows,
});
const engine = new Engine({ registry });
const ALL_CELLS = "select sum(length(pid) + length(name) + length(cpu) + length(path) + length(uid)) from synthetic";
const ROWS_ONLY = "select count(*) from synthetic";

if (import.meta.main) {
  const time = (sql: string) => {
    const runs: number[] = [];
    for (let i = 0; i < 11; i++) {
      // CPU time (user + system) of the process: steadier than wall time on a shared machine.
      const t = process.cpuUsage();
      engine.query(sql);
      const used = process.cpuUsage(t);
      runs.push((used.user + used.system) / 1000);
    }
    return runs.sort((a, b) => a - b)[0];
  };
  time(ALL_CELLS);
  const all = time(ALL_CELLS);
  const rowsOnly = time(ROWS_ONLY);
  const cells = ROWS * COLUMNS;
  console.log(`all cells: ${all.toFixed(1)} ms; row scan only: ${rowsOnly.toFixed(1)} ms`);
  console.log(`per cell (whole scan / cells): ${(all * 1000 / cells).toFixed(3)} µs`);
  console.log(`per cell (minus row scan): ${((all - rowsOnly) * 1000 / cells).toFixed(3)} µs`);
} else {
  Deno.bench("vtab: 200,000 rows x 5 columns, every cell read", { group: "vtab", baseline: true }, () => {
    engine.query(ALL_CELLS);
  });
  Deno.bench("vtab: 200,000 rows, no cell read (row scan only)", { group: "vtab" }, () => {
    engine.query(ROWS_ONLY);
  });
}
