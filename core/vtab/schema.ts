/**
 * How a table spec becomes SQL: the declared columns (alias columns appended, hidden) and the
 * `CREATE TABLE` text osquery declares (and prints in `.schema`).
 *
 * @module
 */
import type { ColumnSpec, TableSpec } from "../table.ts";

/** The SQL type name of a column type ("UNSIGNED BIGINT" has a space in SQL; DATETIME is TEXT at run time). */
export function sqlTypeName(type: ColumnSpec["type"]): string {
  if (type === "UNSIGNED_BIGINT") return "UNSIGNED BIGINT";
  if (type === "DATETIME") return "TEXT";
  return type;
}

/** True when the column is hidden on this platform. */
export function isHidden(column: ColumnSpec): boolean {
  return Boolean(column.hidden || (column.linuxHidden && Deno.build.os === "linux"));
}

/** Declared columns: the spec's columns, then one hidden column per column alias. */
export function declaredColumns(spec: TableSpec): { column: ColumnSpec; key: string }[] {
  const out = spec.columns.map((column) => ({ column, key: column.name }));
  for (const c of spec.columns) {
    for (const alias of c.aliases ?? []) {
      out.push({ column: { ...c, name: alias, hidden: true, aliases: undefined, required: false }, key: c.name });
    }
  }
  return out;
}

/**
 * The column definition osquery builds: backquoted names, HIDDEN, COLLATE, a PRIMARY KEY over
 * index/additional columns with WITHOUT ROWID (every column when only additional ones exist).
 */
export function columnDefinition(spec: TableSpec, forExtension = false): string {
  const columns = declaredColumns(spec).map((d) => d.column);
  let indexed = false;
  let noRowid = false;
  let keys: string[] = [];
  const parts = columns.map((c) => {
    let text = "`" + c.name + "` " + sqlTypeName(c.type);
    if (c.index) indexed = true;
    if (c.index || c.additional) {
      keys.push(c.name);
      noRowid = true;
    }
    if (isHidden(c)) text += " HIDDEN";
    if (c.collate) text += " COLLATE " + c.collate.toUpperCase();
    return text;
  });
  if (!indexed && noRowid) keys = columns.map((c) => c.name);
  let sql = "(" + parts.join(", ");
  if (keys.length) sql += ", PRIMARY KEY (" + keys.map((k) => "`" + k + "`").join(", ") + ")";
  sql += ")";
  if (noRowid && !forExtension) sql += " WITHOUT ROWID";
  return sql;
}

/** The statement passed to sqlite3_declare_vtab. */
export function declareSchema(spec: TableSpec): string {
  return "CREATE TABLE " + "`" + spec.name + "`" + columnDefinition(spec, Boolean(spec.pushAllColumns));
}
