/**
 * osquery's SQL additions, registered on every connection.
 *
 * @module
 */
import type { Database } from "../sqlite/database.ts";

/** Compares two version strings segment by segment (numeric segments numerically). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.\-_:+~]/);
  const pb = b.split(/[.\-_:+~]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? "";
    const y = pb[i] ?? "";
    if (/^\d+$/.test(x) && /^\d+$/.test(y)) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d < 0 ? -1 : 1;
    } else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Registers osquery's functions and collations on a connection. */
export function registerSqlFunctions(db: Database): void {
  for (const name of ["version", "version_arch", "version_dpkg", "version_rhel"]) {
    db.collation(name, compareVersions);
  }
}
