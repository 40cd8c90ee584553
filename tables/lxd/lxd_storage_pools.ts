/**
 * `lxd_storage_pools`: the local LXD server's storage pools with their usage.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { integer, isObject, listing, lxdMetadata, member, requiredText, text } from "./_lib.ts";

export default registerTable(defineTable({
  name: "lxd_storage_pools",
  description: "LXD storage pools with their driver, source and space and inode usage.",
  columns: [
    { name: "name", type: "TEXT", description: "The pool's name." },
    { name: "driver", type: "TEXT", description: "The storage driver (dir, zfs, btrfs, lvm, ...)." },
    { name: "source", type: "TEXT", description: "Where the pool's storage lives (a path, dataset or device)." },
    { name: "size", type: "TEXT", description: "The pool's configured size, as written in its config (e.g. 30GiB)." },
    { name: "space_used", type: "BIGINT", description: "Bytes of storage in use." },
    { name: "space_total", type: "BIGINT", description: "Bytes of storage the pool offers." },
    { name: "inodes_used", type: "BIGINT", description: "Inodes in use." },
    { name: "inodes_total", type: "BIGINT", description: "Inodes the pool offers." },
  ],
  generate() {
    return listing("/1.0/storage-pools").map(poolRow).filter((r): r is Row => r !== undefined);
  },
}));

/** The pool at `url` with its resource usage when LXD reports it; undefined without a name. */
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
