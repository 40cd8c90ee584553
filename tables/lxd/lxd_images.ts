import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { bit, integer, isObject, listing, lxdMetadata, member, requiredText, segment, text } from "./_lib.ts";

function imageRow(url: string, id: string | undefined): Row | undefined {
  const image = lxdMetadata(url);
  if (!isObject(image)) return undefined;
  const fingerprint = id ?? requiredText(image, "fingerprint");
  if (fingerprint === undefined) return undefined;
  const properties = member(image, "properties");
  const source = member(image, "update_source");
  const aliases = member(image, "aliases");
  return {
    id: fingerprint,
    architecture: text(image, "architecture"),
    os: text(properties, "os"),
    release: text(properties, "release"),
    description: text(properties, "description"),
    aliases: (Array.isArray(aliases) ? aliases : []).map((a) => text(a, "name")).filter((n) => n !== "").join(","),
    filename: text(image, "filename"),
    size: integer(image, "size"),
    auto_update: bit(image, "auto_update"),
    cached: bit(image, "cached"),
    public: bit(image, "public"),
    created_at: text(image, "created_at"),
    expires_at: text(image, "expires_at"),
    uploaded_at: text(image, "uploaded_at"),
    last_used_at: text(image, "last_used_at"),
    update_source_server: text(source, "server"),
    update_source_protocol: text(source, "protocol"),
    update_source_certificate: text(source, "certificate"),
    update_source_alias: text(source, "alias"),
  };
}

export default registerTable(defineTable({
  name: "lxd_images",
  description: "Images in LXD's image store, with their properties, aliases and update source.",
  columns: [
    { name: "id", type: "TEXT", index: true, collate: "nocase" },
    { name: "architecture", type: "TEXT" },
    { name: "os", type: "TEXT" },
    { name: "release", type: "TEXT" },
    { name: "description", type: "TEXT" },
    { name: "aliases", type: "TEXT" },
    { name: "filename", type: "TEXT" },
    { name: "size", type: "BIGINT" },
    { name: "auto_update", type: "INTEGER" },
    { name: "cached", type: "INTEGER" },
    { name: "public", type: "INTEGER" },
    { name: "created_at", type: "TEXT" },
    { name: "expires_at", type: "TEXT" },
    { name: "uploaded_at", type: "TEXT" },
    { name: "last_used_at", type: "TEXT" },
    { name: "update_source_server", type: "TEXT" },
    { name: "update_source_protocol", type: "TEXT" },
    { name: "update_source_certificate", type: "TEXT" },
    { name: "update_source_alias", type: "TEXT" },
  ],
  generate(ctx) {
    // LXD resolves a unique fingerprint prefix itself, so `id = 'abc'` asks for that image directly.
    const ids = ctx.equals("id");
    const found = ids.length > 0
      ? ids.map((id) => imageRow(`/1.0/images/${segment(id)}`, id))
      : listing("/1.0/images").map((url) => imageRow(url, undefined));
    return found.filter((r): r is Row => r !== undefined);
  },
}));
