import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { integer, isObject, listing, lxdMetadata, member, requiredText, text } from "./_lib.ts";

function poolRow(url: string): Row | undefined {
  const pool = lxdMetadata(url);
  const name = requiredText(pool, "name");
  if (!isObject(pool) || name === undefined) return undefined;
  const config = member(pool, "config");
  const row: Row = { name, driver: text(pool, "driver"), source: text(config, "source"), size: text(config, "size") };
  const resources = lxdMetadata(url + "/resources");
  if (isObject(resources)) {
    row.space_used = integer(member(resources, "space"), "used");
    row.space_total = integer(member(resources, "space"), "total");
    row.inodes_used = integer(member(resources, "inodes"), "used");
    row.inodes_total = integer(member(resources, "inodes"), "total");
  }
  return row;
}

export default registerTable(defineTable({
  name: "lxd_storage_pools",
  description: "LXD storage pools with their driver, source and space and inode usage.",
  columns: [
    { name: "name", type: "TEXT" },
    { name: "driver", type: "TEXT" },
    { name: "source", type: "TEXT" },
    { name: "size", type: "TEXT" },
    { name: "space_used", type: "BIGINT" },
    { name: "space_total", type: "BIGINT" },
    { name: "inodes_used", type: "BIGINT" },
    { name: "inodes_total", type: "BIGINT" },
  ],
  generate() {
    return listing("/1.0/storage-pools").map(poolRow).filter((r): r is Row => r !== undefined);
  },
}));
