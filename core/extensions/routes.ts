/**
 * Route info: how a table describes itself over the extension API (osquery's `columns` action)
 * and back. One entry per column (`id: column`, name, type name, ColumnOptions bits), one per
 * table alias, one per column alias, and one `attributes` entry.
 *
 * @module
 */
import type { PluginResponse } from "../thrift/bindings.ts";
import type { Collation, ColumnSpec, ColumnType, TableAttributes, TableSpec } from "../table.ts";

/** osquery's ColumnOptions bits. */
export const ColumnOptions = {
  DEFAULT: 0,
  INDEX: 1,
  REQUIRED: 2,
  ADDITIONAL: 4,
  OPTIMIZED: 8,
  HIDDEN: 16,
  COLLATEBINARY: 32,
  COLLATENOCASE: 64,
  COLLATERTRIM: 128,
  COLLATEVERSION: 256,
  COLLATEVERSION_ARCH: 512,
  COLLATEVERSION_DPKG: 1024,
  COLLATEVERSION_RHEL: 2048,
} as const;

/** osquery's TableAttributes bits. */
export const TableAttributeBits = {
  NONE: 0,
  UTILITY: 1,
  CACHEABLE: 2,
  EVENT_BASED: 4,
  USER_BASED: 8,
  KERNEL_REQUIRED: 16,
  PENDING: 32,
} as const;

const COLLATE_BITS: [Collation, number][] = [
  ["binary", ColumnOptions.COLLATEBINARY],
  ["nocase", ColumnOptions.COLLATENOCASE],
  ["rtrim", ColumnOptions.COLLATERTRIM],
  ["version", ColumnOptions.COLLATEVERSION],
  ["version_arch", ColumnOptions.COLLATEVERSION_ARCH],
  ["version_dpkg", ColumnOptions.COLLATEVERSION_DPKG],
  ["version_rhel", ColumnOptions.COLLATEVERSION_RHEL],
];

/** The wire type name of a column type ("UNSIGNED BIGINT" with a space). */
export function typeName(type: ColumnType): string {
  return type === "UNSIGNED_BIGINT" ? "UNSIGNED BIGINT" : type;
}

/** The column type of a wire type name; unknown names read as TEXT. */
export function columnType(name: string): ColumnType {
  switch (name.trim().toUpperCase()) {
    case "INTEGER":
      return "INTEGER";
    case "BIGINT":
      return "BIGINT";
    case "UNSIGNED BIGINT":
    case "UNSIGNED_BIGINT":
      return "UNSIGNED_BIGINT";
    case "DOUBLE":
      return "DOUBLE";
    case "BLOB":
      return "BLOB";
    default:
      return "TEXT";
  }
}

/** The ColumnOptions bits of a column. */
export function columnOptions(column: ColumnSpec): number {
  let op = 0;
  if (column.index) op |= ColumnOptions.INDEX;
  if (column.required) op |= ColumnOptions.REQUIRED;
  if (column.additional) op |= ColumnOptions.ADDITIONAL;
  if (column.optimized) op |= ColumnOptions.OPTIMIZED;
  if (column.hidden || column.linuxHidden) op |= ColumnOptions.HIDDEN;
  for (const [name, bit] of COLLATE_BITS) if (column.collate === name) op |= bit;
  return op;
}

/** The TableAttributes bits of a table. */
export function attributeBits(attributes: TableAttributes | undefined): number {
  let bits = 0;
  if (attributes?.utility) bits |= TableAttributeBits.UTILITY;
  if (attributes?.cacheable) bits |= TableAttributeBits.CACHEABLE;
  if (attributes?.event_subscriber) bits |= TableAttributeBits.EVENT_BASED;
  if (attributes?.user_data) bits |= TableAttributeBits.USER_BASED;
  return bits;
}

/** A table's route info, as an extension broadcasts it and answers `{"action":"columns"}`. */
export function tableRoutes(spec: TableSpec): PluginResponse {
  const routes: PluginResponse = spec.columns.map((c) => ({
    id: "column",
    name: c.name,
    type: typeName(c.type),
    op: String(columnOptions(c)),
  }));
  for (const alias of spec.aliases ?? []) routes.push({ id: "alias", alias });
  for (const c of spec.columns) {
    for (const alias of c.aliases ?? []) routes.push({ id: "columnAlias", name: alias, target: c.name });
  }
  routes.push({ id: "attributes", attributes: String(attributeBits(spec.attributes)) });
  return routes;
}

/** What a table's route info says: columns (with options), aliases and attributes. */
export interface ParsedRoutes {
  columns: ColumnSpec[];
  aliases: string[];
  attributes: TableAttributes;
}

/**
 * Reads route info into column specs. With `defaultIndex` (osquery's --extensions_default_index)
 * a column whose options are 0 becomes an index column, so its constraints reach the extension.
 */
export function parseTableRoutes(routes: PluginResponse, defaultIndex: boolean): ParsedRoutes {
  const columns: ColumnSpec[] = [];
  const aliases: string[] = [];
  const attributes: TableAttributes = {};
  const columnAliases: [string, string][] = [];
  for (const route of routes) {
    switch (route.id) {
      case "column": {
        if (!route.name) continue;
        let op = Number.parseInt(route.op ?? "0", 10);
        if (!Number.isFinite(op) || op < 0) op = 0;
        if (op === 0 && defaultIndex) op = ColumnOptions.INDEX;
        const column: ColumnSpec = { name: route.name, type: columnType(route.type ?? "TEXT") };
        if (op & ColumnOptions.INDEX) column.index = true;
        if (op & ColumnOptions.REQUIRED) column.required = true;
        if (op & ColumnOptions.ADDITIONAL) column.additional = true;
        if (op & ColumnOptions.OPTIMIZED) column.optimized = true;
        if (op & ColumnOptions.HIDDEN) column.hidden = true;
        for (const [name, bit] of COLLATE_BITS) if (op & bit) column.collate = name;
        columns.push(column);
        break;
      }
      case "alias":
        if (route.alias) aliases.push(route.alias);
        break;
      case "columnAlias":
        if (route.name && route.target) columnAliases.push([route.name, route.target]);
        break;
      case "attributes": {
        const bits = Number.parseInt(route.attributes ?? "0", 10) || 0;
        if (bits & TableAttributeBits.UTILITY) attributes.utility = true;
        if (bits & TableAttributeBits.CACHEABLE) attributes.cacheable = true;
        if (bits & TableAttributeBits.EVENT_BASED) attributes.event_subscriber = true;
        if (bits & TableAttributeBits.USER_BASED) attributes.user_data = true;
        break;
      }
    }
  }
  for (const [alias, target] of columnAliases) {
    const column = columns.find((c) => c.name === target);
    if (column && !columns.some((c) => c.name === alias)) (column.aliases ??= []).push(alias);
  }
  return { columns, aliases, attributes };
}
