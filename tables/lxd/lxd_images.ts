/**
 * `lxd_images`: the images in the local LXD server's image store.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { bit, integer, isObject, listing, lxdMetadata, member, requiredText, segment, text } from "./_lib.ts";

export default registerTable(defineTable({
  name: "lxd_images",
  description: "Images in LXD's image store, with their properties, aliases and update source.",
  columns: [
    {
      name: "id",
      type: "TEXT",
      index: true,
      collate: "nocase",
      description: "The image's fingerprint (a unique prefix may be queried).",
    },
    { name: "architecture", type: "TEXT", description: "The architecture the image is built for." },
    { name: "os", type: "TEXT", description: "The OS the image is based on." },
    { name: "release", type: "TEXT", description: "The OS release the image is based on." },
    { name: "description", type: "TEXT", description: "The image's description." },
    { name: "aliases", type: "TEXT", description: "The image's aliases, comma-separated." },
    { name: "filename", type: "TEXT", description: "The name of the image file." },
    { name: "size", type: "BIGINT", description: "Size of the image in bytes." },
    {
      name: "auto_update",
      type: "INTEGER",
      description: "1 when LXD updates the image from its source automatically, else 0.",
    },
    { name: "cached", type: "INTEGER", description: "1 when the image was pulled into the cache on demand, else 0." },
    { name: "public", type: "INTEGER", description: "1 when the image is served to untrusted clients, else 0." },
    { name: "created_at", type: "TEXT", description: "When the image was built (ISO 8601)." },
    { name: "expires_at", type: "TEXT", description: "When the image stops being supported (ISO 8601)." },
    { name: "uploaded_at", type: "TEXT", description: "When the image was added to this server (ISO 8601)." },
    { name: "last_used_at", type: "TEXT", description: "When an instance was last created from the image (ISO 8601)." },
    { name: "update_source_server", type: "TEXT", description: "The server the image is updated from." },
    {
      name: "update_source_protocol",
      type: "TEXT",
      description: "The protocol used to talk to that server (simplestreams, lxd).",
    },
    { name: "update_source_certificate", type: "TEXT", description: "The certificate expected of that server." },
    { name: "update_source_alias", type: "TEXT", description: "The image's alias on that server." },
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

/** The image at `url` as a row (`id` as the query gave it, else its fingerprint); undefined when unusable. */
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
