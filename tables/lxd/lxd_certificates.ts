import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { isObject, listing, lxdMetadata, text } from "./_lib.ts";

export default registerTable(defineTable({
  name: "lxd_certificates",
  description: "Client certificates LXD trusts, with their type and SHA-256 fingerprint.",
  columns: [
    { name: "name", type: "TEXT" },
    { name: "type", type: "TEXT" },
    { name: "fingerprint", type: "TEXT", collate: "nocase" },
    { name: "certificate", type: "TEXT" },
  ],
  generate() {
    return listing("/1.0/certificates").map((url) => lxdMetadata(url)).filter(isObject).map((cert) => ({
      name: text(cert, "name"),
      type: text(cert, "type"),
      fingerprint: text(cert, "fingerprint"),
      certificate: text(cert, "certificate"),
    }));
  },
}));
